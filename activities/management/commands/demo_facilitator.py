from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

USERNAME = "demo"
PASSWORD = "write-for-rights"


class Command(BaseCommand):
    # Evaluated when the command is loaded, in the process's language:
    # argparse needs a plain string.
    help = _("Create the demo facilitator (development only) and print its login.")

    def handle(self, *args, **options):
        if not settings.W4R_DEMO_FACILITATOR:
            raise CommandError(
                _("The demo facilitator exists only in development (DJANGO_DEBUG=1).")
            )
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        line = "=" * 60
        if created or user.check_password(PASSWORD):
            password = PASSWORD
        else:
            password = _("(password changed)")
        at = _("W4R Live is at %(url)s") % {"url": "http://127.0.0.1:8000/"}
        login = _("Demo facilitator (and admin): %(username)s / %(password)s") % {
            "username": USERNAME,
            "password": password,
        }
        self.stdout.write(f"{line}\n {at}\n {login}\n{line}")

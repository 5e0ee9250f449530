from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "demo"
PASSWORD = "write-for-rights"


class Command(BaseCommand):
    help = "Create the demo facilitator (development only) and print its login."

    def handle(self, *args, **options):
        if not settings.W4R_DEMO_FACILITATOR:
            raise CommandError("The demo facilitator exists only in development (DJANGO_DEBUG=1).")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        line = "=" * 60
        self.stdout.write(
            f"{line}\n W4R Live is at http://127.0.0.1:8000/\n"
            f" Demo facilitator (and admin): {USERNAME} / "
            f"{PASSWORD if created or user.check_password(PASSWORD) else '(password changed)'}\n"
            f"{line}"
        )

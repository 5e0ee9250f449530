from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities import retention


class Command(BaseCommand):
    # Evaluated when the command is loaded, in the process's language:
    # argparse needs a plain string.
    help = _(
        "Delete the participants' content of sessions that ended more than "
        "W4R_RETENTION_DAYS days ago (and of sessions left open that long), "
        "keeping each session with its anonymous counts. Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=_("Override W4R_RETENTION_DAYS (now %(days)s).")
            % {"days": settings.W4R_RETENTION_DAYS},
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("List what would be deleted; delete nothing.")
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is not None and days < 0:
            raise CommandError(_("--days cannot be negative."))
        if dry_run:
            due = list(retention.expired_sessions(days=days).order_by("pk"))
            for session in due:
                self.stdout.write(_("would purge %(code)s (session %(id)s)") % _named(session))
            count = len(due)
            self.stdout.write(
                ngettext("%(count)s session due.", "%(count)s sessions due.", count)
                % {"count": count}
            )
            return
        purged = retention.purge_expired(days=days)
        for session in purged:
            counts = ", ".join(
                f"{key} {value}" for key, value in sorted(session.kept_counts.items())
            )
            self.stdout.write(
                _("purged %(code)s (session %(id)s): kept %(counts)s")
                % {**_named(session), "counts": counts}
            )
        count = len(purged)
        self.stdout.write(
            ngettext("%(count)s session purged.", "%(count)s sessions purged.", count)
            % {"count": count}
        )


def _named(session):
    return {"code": session.room_code, "id": session.pk}

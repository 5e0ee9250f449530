from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from activities import retention


class Command(BaseCommand):
    help = (
        "Delete the participants' content of sessions that ended more than "
        "W4R_RETENTION_DAYS days ago (and of sessions left open that long), "
        "keeping each session with its anonymous counts. Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Override W4R_RETENTION_DAYS (now {settings.W4R_RETENTION_DAYS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is not None and days < 0:
            raise CommandError("--days cannot be negative.")
        if dry_run:
            due = list(retention.expired_sessions(days=days).order_by("pk"))
            for session in due:
                self.stdout.write(f"would purge {session.room_code} (session {session.pk})")
            self.stdout.write(f"{len(due)} session(s) due.")
            return
        purged = retention.purge_expired(days=days)
        for session in purged:
            counts = ", ".join(
                f"{key} {value}" for key, value in sorted(session.kept_counts.items())
            )
            self.stdout.write(f"purged {session.room_code} (session {session.pk}): kept {counts}")
        self.stdout.write(f"{len(purged)} session(s) purged.")

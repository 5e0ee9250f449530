from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.casepacks.errors import CasePackInvalid
from activities.casepacks.loader import check_pack, load_pack


class Command(BaseCommand):
    # Evaluated when the command is loaded, in the process's language:
    # argparse needs a plain string.
    help = _("Load a case pack (a folder or a zip holding pack.yaml) into W4R Live.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help=_("pack folders or zip files"))
        parser.add_argument("--check", action="store_true", help=_("validate only; load nothing"))

    def handle(self, *args, paths, check, **options):
        failed = False
        for path in paths:
            try:
                if check:
                    raw, _images = check_pack(path)
                    valid = _("%(path)s: valid (%(case)s)")
                    self.stdout.write(
                        self.style.SUCCESS(valid % {"path": path, "case": raw.data["case"]["name"]})
                    )
                    continue
                result = load_pack(path)
            except CasePackInvalid as exc:
                failed = True
                count = len(exc.errors)
                self.stderr.write(
                    ngettext(
                        "%(path)s: %(count)s problem, nothing loaded",
                        "%(path)s: %(count)s problems, nothing loaded",
                        count,
                    )
                    % {"path": path, "count": count}
                )
                for error in exc.errors:
                    self.stderr.write(f"  {error}")
                continue
            values = {"path": path, "case": result.case, "version": result.version.number}
            if not result.changed:
                done = _("%(path)s: %(case)s unchanged (version %(version)s)")
            elif result.created:
                done = _("%(path)s: %(case)s loaded")
            else:
                done = _("%(path)s: %(case)s updated to version %(version)s")
            self.stdout.write(self.style.SUCCESS(done % values))
        if failed:
            raise CommandError(_("some case packs were not loaded"))

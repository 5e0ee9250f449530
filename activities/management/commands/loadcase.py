from django.core.management.base import BaseCommand, CommandError

from activities.casepacks.errors import CasePackInvalid
from activities.casepacks.loader import check_pack, load_pack


class Command(BaseCommand):
    help = "Load a case pack (a folder or a zip holding pack.yaml) into W4R Live."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="pack folders or zip files")
        parser.add_argument("--check", action="store_true", help="validate only; load nothing")

    def handle(self, *args, paths, check, **options):
        failed = False
        for path in paths:
            try:
                if check:
                    raw, _images = check_pack(path)
                    self.stdout.write(
                        self.style.SUCCESS(f"{path}: valid ({raw.data['case']['name']})")
                    )
                    continue
                result = load_pack(path)
            except CasePackInvalid as exc:
                failed = True
                count = len(exc.errors)
                self.stderr.write(
                    f"{path}: {count} problem{'s' if count != 1 else ''}, nothing loaded"
                )
                for error in exc.errors:
                    self.stderr.write(f"  {error}")
                continue
            if result.changed:
                what = "loaded" if result.created else f"updated to version {result.version.number}"
            else:
                what = f"unchanged (version {result.version.number})"
            self.stdout.write(self.style.SUCCESS(f"{path}: {result.case} {what}"))
        if failed:
            raise CommandError("some case packs were not loaded")

"""Start a translation of a case pack: `manage.py casepack_skeleton <pack> <language>`.

Writes `translations/<language>.yaml` into the pack folder (or prints it with
`--output -`): every text of the pack, in the pack's language (or already in
`<language>` where the pack has it), in the shape the pack has, ready to be
translated line by line (docs/case-packs.md, section 4).
"""

import re
import sys
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from activities.casepacks.errors import CasePackInvalid
from activities.casepacks.loader import check_pack
from activities.casepacks.translations import skeleton

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")

HEADER = """\
# {name}: the texts of this case pack in {language}.
# Translate each text in place; keep the keys, the order and the length of
# every list. A text left out (or null) stays in the pack's own language ({own}).
# Check with: python manage.py loadcase --check <the pack folder>
"""


class Command(BaseCommand):
    # Evaluated when the command is loaded, in the process's language:
    # argparse needs a plain string.
    help = _("Write translations/<language>.yaml, the texts of a case pack to translate.")

    def add_arguments(self, parser):
        parser.add_argument("pack", help=_("a pack folder or zip file"))
        parser.add_argument("language", help=_("the language to translate into, e.g. fr or pt-BR"))
        parser.add_argument(
            "--output",
            "-o",
            help=_(
                "where to write it ('-' for the screen); default: translations/<language>.yaml "
                "in the pack folder"
            ),
        )
        parser.add_argument("--force", action="store_true", help=_("replace an existing file"))

    def handle(self, *args, pack, language, output, force, **options):
        if not LANGUAGE.match(language):
            raise CommandError(
                _("“%(language)s” is not a language code such as fr, es or pt-BR")
                % {"language": language}
            )
        try:
            raw, _images = check_pack(pack)
        except CasePackInvalid as exc:
            raise CommandError(
                _("the pack has problems; fix them first:")
                + "\n"
                + "\n".join(f"  {error}" for error in exc.errors)
            ) from None
        own = raw.data["language"]
        if language.lower() == own.lower():
            raise CommandError(_("the pack is written in %(language)s already") % {"language": own})
        text = HEADER.format(name=raw.data["case"]["name"], language=language, own=own)
        text += yaml.safe_dump(
            skeleton(raw.data, language), allow_unicode=True, sort_keys=False, width=88
        )
        if output == "-":
            sys.stdout.write(text)
            return
        if output:
            target = Path(output)
        elif Path(pack).is_dir():
            target = Path(pack) / "translations" / f"{language}.yaml"
        else:
            raise CommandError(_("the pack is a zip: say where to write with --output"))
        if target.exists() and not force:
            raise CommandError(_("%(path)s exists; use --force to replace it") % {"path": target})
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(_("wrote %(path)s") % {"path": target}))

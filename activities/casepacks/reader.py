"""Reading a case pack from a folder or a zip, safely.

A pack is `pack.yaml` (or `pack.json`) plus the image files it names and,
optionally, its texts in other languages (`translations/<language>.yaml`, see
activities/casepacks/translations.py). Nothing outside the pack may be
reached: paths are checked before any file is read, links leading out of a
folder are refused, and a zip is measured before it is unpacked (entry
count, total size, compression ratio), so a zip bomb stops at its headers.
"""

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .errors import PackError

PACK_FILES = ("pack.yaml", "pack.yml", "pack.json")
MAX_PACK_FILE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_ZIP_TOTAL_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100
TRANSLATIONS_FOLDER = "translations/"
# translations/fr.yaml, translations/pt-BR.yaml: the schema's language pattern.
TRANSLATION_FILE = re.compile(
    r"^translations/([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\.(?:yaml|yml|json)$"
)


@dataclass
class RawPack:
    name: str
    pack_file: str
    data: object
    files: dict = field(default_factory=dict)  # path inside the pack -> bytes, read on demand
    # language -> (path inside the pack, parsed data) of each translations/<language>.yaml
    translations: dict = field(default_factory=dict)
    _reader: object = None

    def read(self, path):
        """The bytes of `path` inside the pack, or a PackError explaining why not."""
        if path not in self.files:
            self.files[path] = self._reader(path)
        return self.files[path]


class PackReadError(Exception):
    """The PackErrors that stop a pack from being read, their messages in the
    active language (each said of the file or path at its place)."""

    def __init__(self, errors):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def _leaves_the_pack():
    # Translators: said of a path or file of a case pack that points outside
    # the pack (a "../", an absolute path, a link to elsewhere).
    return _("leaves the pack")


def _no_such_file():
    # Translators: said of a path a case pack names, e.g. "images/portrait.png".
    return _("no such file in the pack")


def _larger_than_kb(kilobytes):
    # Translators: said of a file of a case pack; %(size)d is a size limit in kilobytes.
    return _("is larger than %(size)d KB") % {"size": kilobytes}


def _larger_than_mb(megabytes):
    # Translators: said of a file of a case pack; %(size)d is a size limit in megabytes.
    return _("is larger than %(size)d MB") % {"size": megabytes}


def safe_pack_path(path):
    """The normalised relative path, or None when it would leave the pack."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts):
        return None
    if pure.parts and pure.parts[0] == ".":
        pure = PurePosixPath(*pure.parts[1:])
    return str(pure)


class NoAliasLoader(yaml.SafeLoader):
    """Refuses YAML aliases: a few of them can expand into gigabytes once saved."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                # Translators: YAML aliases ("*name", which repeat an "&name"
                # anchor); keep "(*name)" as it is.
                _("aliases (*name) are not allowed in a case pack"),
                event.start_mark,
            )
        return super().compose_node(parent, index)


def parse_pack_file(name, raw):
    if len(raw) > MAX_PACK_FILE_BYTES:
        raise PackReadError([PackError(name, _larger_than_kb(MAX_PACK_FILE_BYTES // 1024))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Translators: said of pack.yaml or a translation file; %(position)d is
        # where its first wrong byte is, counted from 0.
        message = _("is not UTF-8 text (byte %(position)d)") % {"position": exc.start}
        raise PackReadError([PackError(name, message)]) from None
    if name.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            # Translators: %(problem)s is the JSON reader's own description of
            # the mistake, in English ("Expecting ',' delimiter").
            message = _("invalid JSON: %(problem)s") % {"problem": exc.msg}
            place = f"{name} line {exc.lineno}, column {exc.colno}"
            raise PackReadError([PackError(place, message)]) from None
    try:
        return yaml.load(text, Loader=NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{name} line {mark.line + 1}, column {mark.column + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc)
        # Translators: %(problem)s is the YAML reader's own description of the
        # mistake, in English ("mapping values are not allowed here").
        message = _("invalid YAML: %(problem)s") % {"problem": problem}
        raise PackReadError([PackError(place, message)]) from None


def read_translations(paths, read):
    """{language: (path, data)} of the pack's translation files, given the
    paths of the files under translations/ and a reader of one of them. Every
    misnamed or unreadable file is reported, not only the first."""
    found, problems = {}, []
    for path in sorted(paths):
        match = TRANSLATION_FILE.match(path)
        if match is None:
            message = _(
                # Translators: said of a file in a case pack's translations/
                # folder; keep "translations/fr.yaml" as it is.
                "is not a translation file: name it after a language code, "
                "e.g. translations/fr.yaml"
            )
            problems.append(PackError(path, message))
            continue
        language = match.group(1)
        if language in found:
            # Translators: %(language)s is a language code in quotes, e.g. 'fr'.
            message = _("a second translation file for %(language)s") % {"language": repr(language)}
            problems.append(PackError(path, message))
            continue
        try:
            found[language] = (path, parse_pack_file(path, read(path)))
        except PackReadError as exc:
            problems += exc.errors
    if problems:
        raise PackReadError(problems)
    return found


def read_folder(folder):
    folder = Path(folder).resolve()
    pack_file = next((name for name in PACK_FILES if (folder / name).is_file()), None)
    if pack_file is None:
        raise PackReadError([PackError(str(folder), _("no pack.yaml or pack.json in this folder"))])

    def read(path):
        safe = safe_pack_path(path)
        if safe is None:
            raise PackReadError([PackError(path, _leaves_the_pack())])
        target = (folder / safe).resolve()
        if not target.is_relative_to(folder):
            raise PackReadError([PackError(path, _leaves_the_pack())])
        if not target.is_file():
            raise PackReadError([PackError(path, _no_such_file())])
        if target.stat().st_size > MAX_IMAGE_BYTES:
            raise PackReadError([PackError(path, _larger_than_mb(MAX_IMAGE_BYTES // 2**20))])
        return target.read_bytes()

    if not (folder / pack_file).resolve().is_relative_to(folder):
        raise PackReadError([PackError(pack_file, _leaves_the_pack())])
    data = parse_pack_file(pack_file, (folder / pack_file).read_bytes())

    def read_translation(path):
        target = (folder / path).resolve()
        if not target.is_relative_to(folder):
            raise PackReadError([PackError(path, _leaves_the_pack())])
        if target.stat().st_size > MAX_PACK_FILE_BYTES:
            raise PackReadError([PackError(path, _larger_than_kb(MAX_PACK_FILE_BYTES // 1024))])
        return target.read_bytes()

    translations = {}
    if (folder / TRANSLATIONS_FOLDER).is_dir():
        paths = [
            entry.relative_to(folder).as_posix()
            for entry in (folder / TRANSLATIONS_FOLDER).rglob("*")
            if entry.is_file() and not entry.name.startswith(".")
        ]
        translations = read_translations(paths, read_translation)
    return RawPack(
        name=folder.name, pack_file=pack_file, data=data, translations=translations, _reader=read
    )


def _is_archiver_litter(path):
    """Files that zip tools add by themselves (macOS's Compress adds these)."""
    parts = path.split("/")
    return parts[0] == "__MACOSX" or parts[-1] == ".DS_Store"


def read_zip(source, name="upload.zip"):
    """`source` is a path or a binary file object."""
    if isinstance(source, (str, Path)):
        name = Path(source).name
        size = Path(source).stat().st_size
    else:
        source.seek(0, io.SEEK_END)
        size = source.tell()
        source.seek(0)
    if size > settings.CASE_PACK_MAX_BYTES:
        raise PackReadError(
            [PackError(name, _larger_than_mb(settings.CASE_PACK_MAX_BYTES // 2**20))]
        )
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        # Translators: said of an uploaded file or a path given to loadcase.
        raise PackReadError([PackError(name, _("is not a zip file"))]) from None

    entries = [
        info
        for info in archive.infolist()
        if not info.is_dir() and not _is_archiver_litter(info.filename)
    ]
    problems = []
    if len(entries) > MAX_ZIP_ENTRIES:
        message = ngettext(
            # Translators: said of a case pack's zip file.
            "holds more than %(count)d file",
            "holds more than %(count)d files",
            MAX_ZIP_ENTRIES,
        ) % {"count": MAX_ZIP_ENTRIES}
        problems.append(PackError(name, message))
    total = sum(info.file_size for info in entries)
    if total > MAX_ZIP_TOTAL_BYTES:
        # Translators: said of a case pack's zip file; %(size)d is in megabytes.
        message = _("unpacks to more than %(size)d MB") % {"size": MAX_ZIP_TOTAL_BYTES // 2**20}
        problems.append(PackError(name, message))
    for info in entries:
        if safe_pack_path(info.filename) is None:
            problems.append(PackError(info.filename, _leaves_the_pack()))
        elif info.file_size > 1024 * 1024 and info.file_size > MAX_ZIP_RATIO * max(
            info.compress_size, 1
        ):
            # Translators: said of a file inside a case pack's zip that would
            # unpack to far more than its compressed size.
            message = _("is compressed suspiciously well (zip bomb?)")
            problems.append(PackError(info.filename, message))
    if problems:
        raise PackReadError(problems)

    by_name = {safe_pack_path(info.filename): info for info in entries}
    root = ""
    if not any(candidate in by_name for candidate in PACK_FILES):
        tops = {path.split("/")[0] for path in by_name}
        if len(tops) == 1:
            root = tops.pop() + "/"
    pack_file = next((f"{root}{n}" for n in PACK_FILES if f"{root}{n}" in by_name), None)
    if pack_file is None:
        raise PackReadError([PackError(name, _("no pack.yaml or pack.json at the top of the zip"))])

    def read_member(info, limit):
        if info.file_size > limit:
            raise PackReadError([PackError(info.filename, _larger_than_mb(limit // 2**20))])
        with archive.open(info) as stream:
            # The header's size can lie; never read more than it promised.
            raw = stream.read(limit + 1)
        if len(raw) > limit:
            # Translators: said of a file inside a case pack's zip whose
            # content is longer than the size the zip records for it.
            raise PackReadError([PackError(info.filename, _("is larger than it claims"))])
        return raw

    def read(path):
        safe = safe_pack_path(path)
        if safe is None:
            raise PackReadError([PackError(path, _leaves_the_pack())])
        info = by_name.get(root + safe)
        if info is None:
            raise PackReadError([PackError(path, _no_such_file())])
        return read_member(info, MAX_IMAGE_BYTES)

    short_name = pack_file[len(root) :]
    data = parse_pack_file(short_name, read_member(by_name[pack_file], MAX_PACK_FILE_BYTES))
    translations = read_translations(
        [
            path[len(root) :]
            for path in by_name
            if path.startswith(root + TRANSLATIONS_FOLDER)
            and not path.rsplit("/", 1)[-1].startswith(".")
        ],
        lambda path: read_member(by_name[root + path], MAX_PACK_FILE_BYTES),
    )
    return RawPack(
        name=name, pack_file=short_name, data=data, translations=translations, _reader=read
    )


def read_pack(source, name=None):
    """Read a pack from a folder path, a zip path or an uploaded zip file object."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            return read_folder(path)
        if path.is_file():
            return read_zip(path)
        # Translators: said of a path given to `manage.py loadcase`.
        raise PackReadError([PackError(str(path), _("no such folder or zip file"))])
    return read_zip(source, name=name or getattr(source, "name", "upload.zip"))

"""The committed catalogs hold every message of the current sources, translated.

English is the source language: a msgid is the English text, so English
needs no catalog. For each other language (fr, es, ar) and each domain
(`django`; `djangojs` once the JavaScript has messages):

* the messages are extracted from the sources as `make messages` does (its
  makemessages options), in a copy of the project (the committed locale/ is
  never written);
* every extracted message is in locale/<lang>/LC_MESSAGES/<domain>.po, with
  the same plural, and no entry is left that the sources no longer have;
* every entry is translated: no empty msgstr, no fuzzy flag, as many plural
  forms as the header's Plural-Forms says, and that header is the
  language's (its `Language`, its number of forms, its plural rule);
* the placeholders (`%(name)s`, `%s`, `{name}`) of a translation are those
  of its msgid;
* GNU msgfmt accepts the catalog (`--check`), and the committed .mo is the
  compiled .po: compiled again, it reads the same.

The checkers are plain functions tested on small synthetic catalogs below.
Needs GNU gettext (`make install-test-deps`).
"""

import ast
import gettext
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import django
import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "es", "ar")
DOMAINS = ("django", "djangojs")

# Each language's plural forms (gettext's, as Django's own catalogs have
# them): how many, and which form a few counts take.
PLURALS = {
    "fr": (2, {0: 0, 1: 0, 2: 1, 100: 1}),
    "es": (3, {0: 2, 1: 0, 2: 2, 100: 2, 1_000_000: 1}),
    "ar": (6, {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 111: 4}),
}

# What the copy of the project for the extraction leaves out: what git does
# not hold, and the committed catalogs (makemessages must not merge into them).
NOT_COPIED = (".git", ".venv", "var", "locale", "staticfiles", "node_modules", "__pycache__")


def messages_ignores():
    """The --ignore options of `make messages` (the Makefile's MESSAGES_IGNORE):
    the test extracts exactly what the target does."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^MESSAGES_IGNORE\s*:?=(.*)$", makefile, re.MULTILINE)
    assert match, "the Makefile has no MESSAGES_IGNORE for `make messages`"
    return shlex.split(match.group(1))


# -- Reading .po files ------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict = field(default_factory=dict)
    flags: set = field(default_factory=set)
    obsolete: bool = False
    line: int = 0
    msgstr_set: bool = field(default=False, repr=False, compare=False)

    @property
    def key(self):
        return (self.msgctxt, self.msgid)

    def __str__(self):
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(quoted):
    # A PO string is a C string literal; these escapes are Python's too.
    return ast.literal_eval(quoted)


def read_po(text):
    """The entries of a .po file (the header is the entry with msgid "")."""
    entries = []
    entry = None
    flags = set()
    target = None  # (field, plural index) the next continuation line extends

    def finish():
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            name, index = target
            value = _unquote(line)
            if name == "msgstr_plural":
                entry.msgstr_plural[index] += value
            else:
                setattr(entry, name, getattr(entry, name) + value)
            continue
        match = KEYWORD.match(line)
        if not match:
            raise ValueError(f"line {number}: cannot read {raw!r}")
        keyword, index, quoted = match.groups()
        if keyword == "msgctxt" or (keyword == "msgid" and (entry is None or entry.msgstr_set)):
            finish()
        if entry is None:
            entry = Entry(flags=flags, obsolete=obsolete, line=number)
            flags = set()
        value = _unquote(quoted)
        if keyword.startswith("msgstr["):
            entry.msgstr_plural[int(index)] = value
            entry.msgstr_set = True
            target = ("msgstr_plural", int(index))
        else:
            setattr(entry, keyword, value)
            entry.msgstr_set = entry.msgstr_set or keyword == "msgstr"
            target = (keyword, None)
    finish()
    return entries


def header_fields(entries):
    header = next((entry for entry in entries if entry.msgid == "" and not entry.obsolete), None)
    if header is None:
        return None, {}
    fields = {}
    for line in header.msgstr.splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return header, fields


# -- Placeholders ------------------------------------------------------------------

NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
POSITIONAL = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{(\w*)(?:![rsa])?(?::[^{}]*)?\}")


def placeholders(text, percent=True, braces=True):
    """The named ones as a set, the positional ones in order, the {} ones as a
    set; only the kinds the message uses (a "{" in a %-format message is text)."""
    named = set(NAMED.findall(text)) if percent else set()
    positional = [spec for spec in POSITIONAL.findall(text) if spec != "%%"] if percent else []
    return named, positional, set(BRACES.findall(text)) if braces else set()


def _kinds(entry):
    """Which placeholders the message has: %-format, {}-format."""
    source = entry.msgid + (entry.msgid_plural or "")
    percent = "python-format" in entry.flags or any(placeholders(source, True, False)[:2])
    braces = "python-brace-format" in entry.flags or bool(BRACES.search(source))
    return {"percent": percent, "braces": braces}


def placeholder_problems(entry):
    kinds = _kinds(entry)
    named_id, positional_id, braces_id = placeholders(entry.msgid, **kinds)
    if entry.msgid_plural is None:
        if placeholders(entry.msgstr, **kinds) != (named_id, positional_id, braces_id):
            return [f"placeholders differ from the msgid's: {entry.msgstr!r} ({entry})"]
        return []
    named_plural, positional_plural, braces_plural = placeholders(entry.msgid_plural, **kinds)
    problems = []
    forms = [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    for index, text in enumerate(forms):
        named, positional, braces = placeholders(text, **kinds)
        # A form for one count may leave the number out ("une lettre"), not
        # bring a placeholder of its own; the form for most counts has them all.
        unknown = (named - named_id - named_plural) | (braces - braces_id - braces_plural)
        last = index == len(forms) - 1
        if (
            unknown
            or positional != positional_plural
            or (last and (named, braces) != (named_plural, braces_plural))
        ):
            problems.append(f"placeholders of msgstr[{index}] {text!r} do not fit ({entry})")
    return problems


# -- The checks ----------------------------------------------------------------------


def plural_problems(fields, language):
    """The header's plural forms against the language's."""
    expected_count, samples = PLURALS[language]
    rule = fields.get("Plural-Forms", "")
    match = re.fullmatch(r"nplurals=(\d+);\s*plural=(.+?);?", rule)
    if not match:
        return [f"header: no Plural-Forms ({rule!r})"]
    count, expression = int(match.group(1)), match.group(2)
    if count != expected_count:
        return [f"header: nplurals={count}, {language} has {expected_count} plural forms"]
    plural = gettext.c2py(expression)
    wrong = {n: plural(n) for n, form in samples.items() if plural(n) != form}
    if wrong:
        return [f"header: plural rule {expression!r} picks the wrong form for {wrong}"]
    return []


def catalog_problems(entries, language, extracted):
    """What is wrong with one language's catalog (entries of its .po) against
    the extracted messages (entries of the .pot)."""
    problems = []
    header, fields = header_fields(entries)
    if header is None:
        return ["no header entry"]
    if "fuzzy" in header.flags:
        problems.append("header: still marked fuzzy")
    if fields.get("Language") != language:
        problems.append(f"header: Language is {fields.get('Language')!r}, not {language!r}")
    problems += plural_problems(fields, language)
    forms = PLURALS[language][0]

    live = {entry.key: entry for entry in entries if not entry.obsolete and entry.msgid}
    wanted = {entry.key: entry for entry in extracted if entry.msgid}
    for key, source in wanted.items():
        entry = live.get(key)
        if entry is None:
            problems.append(f"missing: {source.msgid!r}")
        elif entry.msgid_plural != source.msgid_plural:
            problems.append(f"plural is {entry.msgid_plural!r}, not {source.msgid_plural!r}")
    for key, entry in live.items():
        if key not in wanted:
            problems.append(f"not in the sources any more: {entry}")
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry}")
        if entry.msgid_plural is None:
            if not entry.msgstr:
                problems.append(f"untranslated: {entry}")
                continue
        else:
            if sorted(entry.msgstr_plural) != list(range(forms)):
                problems.append(
                    f"{len(entry.msgstr_plural)} plural forms, {language} has {forms}: {entry}"
                )
            if not all(entry.msgstr_plural.values()):
                problems.append(f"a plural form is untranslated: {entry}")
                continue
        problems += placeholder_problems(entry)
    return problems


def msgfmt(po_path, mo_path):
    """Compile as compilemessages does; msgfmt's complaints, or ''."""
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(mo_path), str(po_path)],
        capture_output=True,
        text=True,
    )
    return result.stderr.strip() if result.returncode else ""


def read_mo(path):
    with open(path, "rb") as file:
        translations = gettext.GNUTranslations(file)
    return translations._catalog  # every message, the header under ""


def compiled_problems(po_path, mo_path, scratch):
    """msgfmt's complaints, and whether `mo_path` is `po_path` compiled."""
    fresh = scratch / (po_path.stem + ".fresh.mo")
    complaints = msgfmt(po_path, fresh)
    if complaints:
        return [f"msgfmt --check: {complaints}"]
    if not mo_path.exists():
        return [f"{mo_path.name} is missing: run compilemessages"]
    if read_mo(mo_path) != read_mo(fresh):
        return [f"{mo_path.name} is not the compiled {po_path.name}: run compilemessages"]
    return []


# -- Extracting the messages of the sources -------------------------------------------


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """{domain: the entries of the .pot makemessages writes}, from a copy of the project."""
    copy = tmp_path_factory.mktemp("extraction") / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_COPIED))
    (copy / "locale").mkdir()
    env = {"PATH": os.environ["PATH"], "DJANGO_DEBUG": "1", "W4R_DATA_DIR": str(copy / "var")}
    found = {}
    for domain in DOMAINS:
        command = [sys.executable, "manage.py", "makemessages", "-l", "fr", "-d", domain]
        command += ["--keep-pot", *messages_ignores()]
        result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        pot = copy / "locale" / f"{domain}.pot"
        found[domain] = read_po(pot.read_text(encoding="utf-8")) if pot.exists() else []
    return found


def catalog_path(language, domain, suffix="po"):
    return ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.{suffix}"


def test_the_extraction_finds_the_app_s_messages(extracted):
    messages = {entry.msgid for entry in extracted["django"]}
    assert {"Skip to content", "Room code", "Your letter"} <= messages
    assert len(messages) > 500


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_has_every_message_translated(extracted, language):
    problems = []
    checked = []
    for domain in DOMAINS:
        path = catalog_path(language, domain)
        name = path.relative_to(ROOT)
        if not extracted[domain] and not path.exists():
            continue  # no messages in that domain (yet), and no catalog for them
        checked.append(domain)
        if not path.exists():
            problems.append(f"{name} is missing")
            continue
        entries = read_po(path.read_text(encoding="utf-8"))
        problems += [
            f"{name}: {problem}"
            for problem in catalog_problems(entries, language, extracted[domain])
        ]
    assert "django" in checked
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:100])


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_committed_mo_is_its_po_compiled(language, tmp_path):
    problems = []
    checked = []
    for domain in DOMAINS:
        path = catalog_path(language, domain)
        if path.exists():
            mo = catalog_path(language, domain, "mo")
            problems += [
                f"{path.relative_to(ROOT)}: {problem}"
                for problem in compiled_problems(path, mo, tmp_path)
            ]
            checked.append(domain)
    assert "django" in checked
    assert not problems, "\n".join(problems)


# -- The checkers, on small catalogs ------------------------------------------------

POT = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

#: templates/x.html:1
msgid "Join"
msgstr ""

#: activities/services.py:9
#, python-format
msgid "%(name)s joined group %(number)s."
msgstr ""

#: templates/x.html:2
#, python-format
msgid "%(counter)s letter"
msgid_plural "%(counter)s letters"
msgstr[0] ""
msgstr[1] ""

msgctxt "verb"
msgid "Print"
msgstr ""

#, python-brace-format
msgid "Hello {name}"
msgstr ""

msgid ""
"A long message "
"on two lines"
msgstr ""
"""

FRENCH_HEADER = r"""
msgid ""
msgstr ""
"Language: fr\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"
"""

FRENCH = (
    FRENCH_HEADER
    + r"""
#: templates/x.html:1
msgid "Join"
msgstr "Rejoindre"

#, python-format
msgid "%(name)s joined group %(number)s."
msgstr "%(name)s a rejoint le groupe %(number)s."

#, python-format
msgid "%(counter)s letter"
msgid_plural "%(counter)s letters"
msgstr[0] "%(counter)s lettre"
msgstr[1] "%(counter)s lettres"

msgctxt "verb"
msgid "Print"
msgstr "Imprimer"

msgid "Hello {name}"
msgstr "Bonjour {name}"

msgid ""
"A long message "
"on two lines"
msgstr "Un long message sur deux lignes"

#~ msgid "Gone"
#~ msgstr "Parti"
"""
)


def french(old, new):
    assert old in FRENCH
    return read_po(FRENCH.replace(old, new, 1))


def check_french(entries):
    return catalog_problems(entries, "fr", read_po(POT))


def test_reader_reads_entries_plurals_contexts_flags_and_continuations():
    entries = read_po(FRENCH)
    assert len(entries) == 8
    header, fields = header_fields(entries)
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    plural = entries[3]
    assert plural.msgid_plural == "%(counter)s letters"
    assert plural.msgstr_plural == {0: "%(counter)s lettre", 1: "%(counter)s lettres"}
    assert "python-format" in plural.flags
    assert entries[4].key == ("verb", "Print")
    assert entries[6].msgid == "A long message on two lines"
    assert entries[7].obsolete and entries[7].msgstr == "Parti"


def test_a_complete_catalog_passes():
    assert check_french(read_po(FRENCH)) == []


def test_a_missing_message_fails():
    problems = check_french(french('msgid "Join"\nmsgstr "Rejoindre"\n', ""))
    assert problems == ["missing: 'Join'"]


def test_a_message_only_in_another_context_is_missing():
    problems = check_french(french('msgctxt "verb"\n', 'msgctxt "noun"\n'))
    assert "missing: 'Print'" in problems


def test_an_obsolete_entry_does_not_count_as_present():
    problems = check_french(
        french('msgid "Join"\nmsgstr "Rejoindre"', '#~ msgid "Join"\n#~ msgstr ""')
    )
    assert problems == ["missing: 'Join'"]


def test_an_entry_the_sources_no_longer_have_fails():
    problems = check_french(french("#~ msgid", 'msgid "Old"\nmsgstr "Vieux"\n\n#~ msgid'))
    assert problems == ["not in the sources any more: line 34: 'Old'"]


def test_an_empty_translation_fails():
    problems = check_french(french('msgstr "Rejoindre"', 'msgstr ""'))
    assert problems == ["untranslated: line 9: 'Join'"]


def test_a_fuzzy_entry_fails():
    problems = check_french(french("#: templates/x.html:1\n", "#, fuzzy\n"))
    assert problems == ["fuzzy: line 9: 'Join'"]


def test_a_fuzzy_header_fails():
    problems = check_french(
        french('msgid ""\nmsgstr ""\n"Language', '#, fuzzy\nmsgid ""\nmsgstr ""\n"Language')
    )
    assert problems == ["header: still marked fuzzy"]


def test_a_missing_or_untranslated_plural_form_fails():
    problems = check_french(french('msgstr[1] "%(counter)s lettres"\n', ""))
    assert problems == ["1 plural forms, fr has 2: line 17: '%(counter)s letter'"]
    problems = check_french(french('msgstr[1] "%(counter)s lettres"', 'msgstr[1] ""'))
    assert problems == ["a plural form is untranslated: line 17: '%(counter)s letter'"]


def test_a_plural_that_differs_from_the_source_fails():
    problems = check_french(
        french('msgid_plural "%(counter)s letters"', 'msgid_plural "%(counter)s lettrs"')
    )
    assert problems == ["plural is '%(counter)s lettrs', not '%(counter)s letters'"]


def test_the_header_must_be_the_language_s():
    problems = check_french(french('"Language: fr\\n"', '"Language: es\\n"'))
    assert problems == ["header: Language is 'es', not 'fr'"]
    problems = check_french(french("nplurals=2; plural=(n > 1);", "nplurals=3; plural=(n > 1);"))
    assert problems == ["header: nplurals=3, fr has 2 plural forms"]
    problems = check_french(french("plural=(n > 1);", "plural=(n != 1);"))
    assert problems == ["header: plural rule '(n != 1)' picks the wrong form for {0: 1}"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_django_s_own_plural_rules_are_the_expected_ones(language):
    """The samples above agree with the Plural-Forms of Django's own catalogs."""
    path = Path(django.__file__).parent / "conf" / "locale" / language / "LC_MESSAGES"
    _header, fields = header_fields(read_po((path / "django.po").read_text(encoding="utf-8")))
    assert plural_problems(fields, language) == []


@pytest.mark.parametrize(
    ("msgstr", "ok"),
    [
        ("%(number)s : %(name)s a rejoint le groupe.", True),  # reordered
        ("%(name)s a rejoint le groupe.", False),  # a placeholder lost
        ("%(nom)s a rejoint le groupe %(number)s.", False),  # renamed
        ("%(name)s a rejoint le groupe %(number)d.", True),  # the same name
        ("%(name)s a rejoint le groupe %(number)s, 100%%.", True),  # %% is no placeholder
        ("%(name)s a rejoint le groupe %(number)s %s.", False),  # a %s appeared
        ("%(name)s a rejoint le groupe %(number)s {x}.", True),  # text in a %-format message
    ],
)
def test_named_placeholders_must_be_kept(msgstr, ok):
    entries = french('msgstr "%(name)s a rejoint le groupe %(number)s."', f'msgstr "{msgstr}"')
    assert (check_french(entries) == []) is ok


@pytest.mark.parametrize(
    ("msgstr", "ok"),
    [
        ("Bonjour {name}", True),
        ("Bonjour", False),
        ("Bonjour {nom}", False),
        ("Bonjour {name} {name}", True),
        ("Bonjour {name}, 100 %", True),  # text in a {}-format message
    ],
)
def test_brace_placeholders_must_be_kept(msgstr, ok):
    assert (check_french(french('msgstr "Bonjour {name}"', f'msgstr "{msgstr}"')) == []) is ok


def test_positional_placeholders_must_be_kept_in_order():
    entry = Entry(msgid="%s of %d", msgstr="%d sur %s")
    assert placeholder_problems(entry) != []
    assert placeholder_problems(Entry(msgid="%s of %d", msgstr="%s sur %d")) == []


def test_plural_forms_may_leave_the_count_out_of_a_one_count_form():
    arabic_letters = {
        0: "لا رسائل",  # zero: no number
        1: "رسالة واحدة",  # one
        2: "رسالتان",  # two
        3: "%(counter)s رسائل",
        4: "%(counter)s رسالة",
        5: "%(counter)s رسالة",
    }
    entry = Entry(
        msgid="%(counter)s letter", msgid_plural="%(counter)s letters", msgstr_plural=arabic_letters
    )
    assert placeholder_problems(entry) == []
    # ... but the form for most counts must carry it, and none may bring its own.
    assert placeholder_problems(
        Entry(**{**entry.__dict__, "msgstr_plural": {**arabic_letters, 5: "رسائل"}})
    )
    assert placeholder_problems(
        Entry(**{**entry.__dict__, "msgstr_plural": {**arabic_letters, 1: "%(count)s رسالة"}})
    )


def test_a_committed_mo_must_be_its_po_compiled(tmp_path):
    po = tmp_path / "django.po"
    mo = tmp_path / "django.mo"
    po.write_text(FRENCH, encoding="utf-8")
    assert compiled_problems(po, mo, tmp_path) == ["django.mo is missing: run compilemessages"]
    assert msgfmt(po, mo) == ""
    assert compiled_problems(po, mo, tmp_path) == []
    assert read_mo(mo)["Join"] == "Rejoindre"
    assert read_mo(mo)[("%(counter)s letter", 1)] == "%(counter)s lettres"

    po.write_text(FRENCH.replace('"Rejoindre"', '"Entrer"'), encoding="utf-8")
    assert compiled_problems(po, mo, tmp_path) == [
        "django.mo is not the compiled django.po: run compilemessages"
    ]


def test_msgfmt_s_complaints_fail(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        FRENCH.replace('msgstr "%(name)s a rejoint', 'msgstr "%(name)d a rejoint'), encoding="utf-8"
    )
    (problem,) = compiled_problems(po, tmp_path / "django.mo", tmp_path)
    assert problem.startswith("msgfmt --check: ")

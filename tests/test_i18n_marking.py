"""Every user-visible string goes through Django's translation machinery.

Two checkers, each with unit tests of its own that plant an unmarked string:

* templates: each template is split with Django's own template lexer; the
  text between template tags (outside `{% blocktranslate %}` and
  `{% comment %}`) is read by an HTML parser, which reports text with a
  letter in it, and the attributes people read or hear (aria-label, title,
  placeholder, alt, a button-like input's value, the page description).
  What a tag or a variable prints is opaque: `{% translate %}` and
  `{{ value }}` are fine. A few literal texts are allowed, listed below with
  the reason for each.
* Python: the app's modules are parsed with `ast`; a literal string passed
  straight to the calls that show it to people (messages, responses,
  validation and session errors, model and form labels, admin labels, choice
  labels) is reported.
"""

import ast
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template import engines
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
PYTHON_PACKAGES = ("activities", "letters", "w4r")

# Stands for whatever a template tag or variable prints: not a letter, so
# never reported, and it keeps the HTML around it in shape.
OPAQUE = "\ue000"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.text!r}"


def has_letter(text):
    return any(unicodedata.category(char).startswith("L") for char in text)


def normalized(text):
    """Whitespace (including no-break spaces) collapsed, placeholders dropped."""
    return " ".join(text.replace(OPAQUE, " ").split())


# -- Templates -----------------------------------------------------------------

# Literal texts a template may show untranslated (alone or beside translated
# text, as in a page title "Join · W4R Live"), each for a reason.
TEMPLATE_ALLOWED = {
    # The product's name, the same in every language.
    "W4R Live",
    # The ISO paper size, written so in all four languages.
    "A4",
}

# Attributes that a browser shows or a screen reader speaks.
SPOKEN_ATTRIBUTES = {
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "aria-valuetext",
    "aria-placeholder",
    "title",
    "placeholder",
    "alt",
}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}

# Filters whose literal arguments a page prints: `{{ x|default:"None yet" }}`.
PRINTING_FILTER = re.compile(r"\|(yesno|default|default_if_none):(\"[^\"]*\"|'[^']*')")
# yesno values that are codes for scripts and styles, not words for people.
CODE_YESNO = {"true,false", "rtl,ltr"}
# `{% include "x.html" with label="Send" %}`: literal text handed to a partial
# under a name that says it is shown.
SHOWN_INCLUDE_ARGUMENT = re.compile(
    r"\b(label|title|text|heading|hint|help|message|caption|placeholder|aria_label)="
    r"(\"[^\"]*\"|'[^']*')"
)


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []  # (line, text)
        self.raw_text = None  # inside <script> or <style>

    def _report(self, text):
        text = normalized(text)
        rest = text
        for allowed in TEMPLATE_ALLOWED:
            rest = rest.replace(allowed, "")
        if has_letter(rest):
            self.found.append((self.getpos()[0], text))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.raw_text = tag
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name in SPOKEN_ATTRIBUTES:
                self._report(value)
        if tag == "input" and values.get("type", "").lower() in BUTTON_INPUT_TYPES:
            self._report(values.get("value", ""))
        if tag == "meta" and values.get("name", "").lower() == "description":
            self._report(values.get("content", ""))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.raw_text = None

    def handle_endtag(self, tag):
        if tag == self.raw_text:
            self.raw_text = None

    def handle_data(self, data):
        if self.raw_text is None:
            self._report(data)


def _tag_findings(token):
    """Literal text that a tag or variable prints (filter arguments, include labels)."""
    found = []
    for name, literal in PRINTING_FILTER.findall(token.contents):
        value = literal[1:-1]
        if not has_letter(value):
            continue
        if name == "yesno":
            if value not in CODE_YESNO:
                found.append(value)
        # A default that is a word for people rather than a code ('none',
        # 'control'): it has a capital or a space.
        elif value != value.lower() or " " in value:
            found.append(value)
    if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == ["include"]:
        found += [
            literal[1:-1]
            for _name, literal in SHOWN_INCLUDE_ARGUMENT.findall(token.contents)
            if has_letter(literal)
        ]
    return found


class _Stream:
    """A template as the HTML parser reads it: the text between tags as it
    is, every tag and variable as one opaque character, skipped parts
    (blocktranslate, comment) as an opaque character with their line breaks.

    A block that the parent template opens inside an HTML tag
    (`<body class="{% block body_class %}...">`) is wrapped in that tag's
    text, so that its content reads as attributes, not as text on the page.
    """

    def __init__(self, source, in_tag_blocks=None):
        self.in_tag_blocks = in_tag_blocks or {}
        self.parts = []
        self.length = 0
        self.blocks = []  # (name, start, end) in the text
        self.tag_findings = []  # (line, text)
        self._read(Lexer(source).tokenize())
        self.text = "".join(self.parts)

    def _add(self, text):
        self.parts.append(text)
        self.length += len(text)

    def _read(self, tokens):
        skipping = None  # the tag that ends the part being skipped
        open_blocks = []  # (name, start)
        for token in tokens:
            words = token.contents.split() if token.token_type == TokenType.BLOCK else []
            if skipping:
                if words[:1] == [skipping]:
                    skipping = None
                self._add(OPAQUE + "\n" * token.contents.count("\n"))
                continue
            if words[:1] in (["blocktranslate"], ["blocktrans"]):
                skipping = "end" + words[0]
            elif words[:1] == ["comment"]:
                skipping = "endcomment"
            if token.token_type == TokenType.TEXT:
                self._add(token.contents)
                continue
            if words[:1] == ["block"]:
                self._add(self.in_tag_blocks.get(words[1], ("", ""))[0])
                open_blocks.append((words[1], self.length))
            self._add(OPAQUE)
            if words[:1] == ["endblock"] and open_blocks:
                name, start = open_blocks.pop()
                self.blocks.append((name, start, self.length))
                self._add(self.in_tag_blocks.get(name, ("", ""))[1])
            self.tag_findings += [(token.lineno, text) for text in _tag_findings(token)]

    def blocks_inside_tags(self):
        """{name: (the tag's text before the block, the tag's text after it)}."""
        found = {}
        for name, start, end in self.blocks:
            before = self.text[:start]
            tag_start = before.rfind("<")
            if tag_start > before.rfind(">"):
                tag_end = self.text.find(">", end)
                # On one line, so the child's line numbers stay right.
                found[name] = tuple(
                    " ".join(part.splitlines())
                    for part in (before[tag_start:], self.text[end : tag_end + 1])
                )
        return found


def _parent_blocks_inside_tags(source):
    """The blocks opened inside tags by the templates `source` extends."""
    match = re.search(r"\{%\s*extends\s+[\"']([^\"']+)[\"']\s*%\}", source)
    if not match:
        return {}
    parent, _origin = engines["django"].engine.find_template(match.group(1))
    return {
        **_parent_blocks_inside_tags(parent.source),
        **_Stream(parent.source).blocks_inside_tags(),
    }


def untranslated_in_template(source, path="<template>"):
    """The untranslated texts of one template's source, as Findings."""
    stream = _Stream(source, _parent_blocks_inside_tags(source))
    parser = _VisibleText()
    parser.feed(stream.text)
    parser.close()
    found = parser.found + stream.tag_findings
    return [Finding(path, line, text) for line, text in sorted(found)]


def template_paths():
    return sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt"))


def test_every_template_text_is_marked_for_translation():
    paths = template_paths()
    assert len(paths) > 50  # the walk found the templates
    findings = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        findings += untranslated_in_template(source, str(path.relative_to(ROOT)))
    assert not findings, "Not marked for translation:\n" + "\n".join(map(str, findings))


# The template checker, on planted strings.


def texts(source):
    return [(finding.line, finding.text) for finding in untranslated_in_template(source)]


def test_template_checker_reports_plain_text_with_its_line():
    source = '{% load i18n %}\n<h1>{% translate "Welcome" %}</h1>\n<p>\n  Join the room\n</p>'
    assert texts(source) == [(3, "Join the room")]


def test_template_checker_reports_spoken_attributes():
    source = (
        "{% load i18n %}\n"
        '<button aria-label="Close the panel">×</button>\n'
        '<img src="{{ url }}" alt="A drawing">\n'
        '<input name="q" placeholder="Search" title="{% translate "Search" %}">\n'
        '<input type="submit" value="Send">\n'
        '<input type="hidden" name="next" value="control">\n'
        '<meta name="description" content="Write for Rights, live">\n'
        '<a href="/x" aria-description="{{ description }}" class="Big Link">{{ x }}</a>\n'
    )
    assert texts(source) == [
        (2, "Close the panel"),
        (3, "A drawing"),
        (4, "Search"),
        (5, "Send"),
        (7, "Write for Rights, live"),
    ]


def test_template_checker_lets_translated_and_printed_values_pass():
    source = (
        "{% load i18n %}\n"
        '<title>{% block title %}{% translate "Join" %} · W4R Live{% endblock %}</title>\n'
        "<p>{{ step.title }} — {{ count }} / 30</p>\n"
        "<p>{% blocktranslate count counter=n %}One idea{% plural %}{{ counter }} ideas"
        "{% endblocktranslate %}</p>\n"
        "<p>{% blocktranslate trimmed with name=person.nickname %}\n"
        "  Hello {{ name }},\n  welcome\n{% endblocktranslate %}</p>\n"
        "{# a note for developers #}\n"
        "{% comment %}\n  Notes for developers, several lines\n{% endcomment %}\n"
        '<input type="submit" value="{% translate "Send" %}">\n'
        "<script>var message = 'not read here';</script>\n"
        "<style>.x::after { content: 'nor here'; }</style>\n"
        "<p>Too late</p>\n"
    )
    assert texts(source) == [(16, "Too late")]


def test_template_checker_reads_a_block_in_the_parent_template_s_context():
    # base.html opens body_class inside class="..." and main_attrs inside <main ...>.
    source = (
        '{% extends "base.html" %}{% load i18n %}\n'
        "{% block body_class %}screen-participant{% endblock %}\n"
        '{% block main_attrs %}data-live-poll="{{ url }}" title="Live page"{% endblock %}\n'
        "{% block content %}\n<p>Hi</p>\n{% endblock %}\n"
    )
    assert texts(source) == [(3, "Live page"), (5, "Hi")]


def test_template_checker_reports_literal_text_inside_tags():
    source = (
        '{{ letter.sent_at|default:"Not sent yet" }}\n'
        "{{ shown|yesno:'Yes,No' }} {{ shown|yesno:'true,false' }} {{ x|default:'none' }}\n"
        '{% include "_copy.html" with label="Hashtags" copy_id="copy-tags" %}\n'
        '{% include "_copy.html" with label=_("Hashtags") copy_id="copy-tags" %}\n'
    )
    assert texts(source) == [(1, "Not sent yet"), (2, "Yes,No"), (3, "Hashtags")]


def test_template_checker_allows_the_listed_texts_only():
    assert texts("<a class=brand href=/>W4R&nbsp;Live</a> <span>· 3 ✓</span>") == []
    assert texts("<a class=brand href=/>W4R Live Pro</a>") == [(1, "W4R Live Pro")]


# -- Python ----------------------------------------------------------------------

# Calls that show their message to people, and which positional argument
# holds it.
MESSAGE_CALLS = {
    # django.contrib.messages: messages.success(request, message)
    "debug": 1,
    "info": 1,
    "success": 1,
    "warning": 1,
    "error": 1,
    "add_message": 2,
    # Responses whose body a person reads.
    "HttpResponse": 0,
    "HttpResponseBadRequest": 0,
    "HttpResponseForbidden": 0,
    "HttpResponseNotFound": 0,
    "HttpResponseNotAllowed": 1,
    "HttpResponseGone": 0,
    # Errors whose message the app shows.
    "ValidationError": 0,
    "SessionError": 0,
    "LetterError": 0,
    "PermissionDenied": 0,
    "Http404": 0,
    # A case pack's problems, which the admin's upload form and `loadcase`
    # show: PackError(place, message) (the place is a path in the pack, not
    # text), ImageRejected(message), and PackReadError given a message
    # instead of its list of PackErrors.
    "PackError": 1,
    "ImageRejected": 0,
    "PackReadError": 0,
    # Management commands: what they print, and their errors.
    "CommandError": 0,
}
# self.stdout.write(...), self.stderr.write(...), self.style.SUCCESS(...)
COMMAND_OUTPUT = {"write", "SUCCESS", "ERROR", "WARNING", "NOTICE"}
MESSAGE_KEYWORDS = {"message"}
# Keyword arguments that label something on a page or in the admin.
LABEL_KEYWORDS = {
    "verbose_name",
    "verbose_name_plural",
    "help_text",
    "label",
    "empty_label",
    "description",  # @admin.action / @admin.display
    "short_description",
}
CHOICES_BASES = {"TextChoices", "IntegerChoices", "Choices"}

# Literal strings the Python code may show untranslated, by (module, text).
PYTHON_ALLOWED = set()


def _called_name(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_messages_call(func):
    """messages.success(...) and friends: the module called by its name."""
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "messages"
    )


def _is_command_output(func):
    """self.stdout.write(...), self.stderr.write(...), self.style.SUCCESS(...)."""
    return (
        isinstance(func, ast.Attribute)
        and func.attr in COMMAND_OUTPUT
        and isinstance(func.value, ast.Attribute)
        and func.value.attr in ("stdout", "stderr", "style")
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id == "self"
    )


def _literal_text(node):
    """The text of a literal string expression (plain, f-string, "%" or
    .format() on a literal), or None when the value is not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{…}" for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _literal_text(node.left) or _literal_text(node.right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return _literal_text(node.func.value)
    return None


class _Bypasses(ast.NodeVisitor):
    def __init__(self):
        self.found = []  # (line, text)

    def _check(self, node):
        text = _literal_text(node)
        if text is not None and has_letter(text):
            self.found.append((node.lineno, text))

    def visit_Call(self, node):
        name = _called_name(node.func)
        index = MESSAGE_CALLS.get(name)
        if name in ("debug", "info", "success", "warning", "error", "add_message"):
            if not _is_messages_call(node.func):
                index = None  # logger.info("..."), not a message to a person
        if _is_command_output(node.func):
            index = 0
        if index is not None and len(node.args) > index:
            self._check(node.args[index])
        if _called_name(node.func) == "add_argument":
            for keyword in node.keywords:
                if keyword.arg == "help":  # a command's --help
                    self._check(keyword.value)
        for keyword in node.keywords:
            if keyword.arg in LABEL_KEYWORDS or (
                index is not None and keyword.arg in MESSAGE_KEYWORDS
            ):
                self._check(keyword.value)
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        bases = {_called_name(base) for base in node.bases}
        for statement in node.body:
            if isinstance(statement, ast.Assign) and bases & CHOICES_BASES:
                # NAME = "value", "Label": the label is the last item.
                if isinstance(statement.value, ast.Tuple) and len(statement.value.elts) > 1:
                    self._check(statement.value.elts[-1])
            if (
                isinstance(statement, ast.Assign)
                and "BaseCommand" in bases
                and any(
                    isinstance(target, ast.Name) and target.id == "help"
                    for target in statement.targets
                )
            ):
                self._check(statement.value)
            if (
                isinstance(statement, ast.Assign)
                and node.name == "Meta"
                and any(
                    isinstance(target, ast.Name) and target.id in LABEL_KEYWORDS
                    for target in statement.targets
                )
            ):
                self._check(statement.value)
        self.generic_visit(node)

    def visit_Assign(self, node):
        # function.short_description = "..." (admin columns, the old way)
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "short_description":
                self._check(node.value)
        self.generic_visit(node)


def untranslated_in_python(source, path="<module>"):
    visitor = _Bypasses()
    visitor.visit(ast.parse(source))
    return [
        Finding(path, line, text)
        for line, text in sorted(visitor.found)
        if (path, text) not in PYTHON_ALLOWED
    ]


def python_paths():
    for package in PYTHON_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:  # they copy the labels, untranslated
                yield path


def test_python_strings_shown_to_people_go_through_gettext():
    paths = list(python_paths())
    assert len(paths) > 20
    findings = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        findings += untranslated_in_python(source, str(path.relative_to(ROOT)))
    assert not findings, "Not marked for translation:\n" + "\n".join(map(str, findings))


# The Python checker, on planted strings.


def python_texts(source):
    return [(finding.line, finding.text) for finding in untranslated_in_python(source)]


PLANTED_PYTHON = """
from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import gettext as _

def view(request, session):
    messages.success(request, "Saved.")
    messages.success(request, _("Saved."))
    logger.info("Saved %s", session)
    if not session:
        raise SessionError("This room is closed.")
    raise SessionError(_("This room is closed."))
    return HttpResponse(f"Hello {session}")

def other(value):
    return HttpResponse("")  # nothing to read
    raise ValidationError("Too long: %(n)s", params={"n": 3})
    raise ValidationError(message="Too short")
    raise ValidationError(_("Too long"))
    raise SessionError("{} is taken".format(value))

class Letter(models.Model):
    text = models.TextField(verbose_name="text", help_text=_("What you write"))
    kind = models.CharField(max_length=9, verbose_name=_("kind"))

    class Meta:
        verbose_name_plural = "letters"

class Way(models.TextChoices):
    NAME = "name", "With my name"
    ANONYMOUS = "anonymous", _("Without my name")

@admin.display(description="Room code")
def code(obj):
    return obj.code
"""


def test_python_checker_reports_planted_literals_with_their_line():
    assert python_texts(PLANTED_PYTHON) == [
        (7, "Saved."),
        (11, "This room is closed."),
        (13, "Hello {…}"),
        (17, "Too long: %(n)s"),
        (18, "Too short"),
        (20, "{} is taken"),
        (23, "text"),
        (27, "letters"),
        (30, "With my name"),
        (33, "Room code"),
    ]


def test_python_checker_reads_every_module_of_the_apps():
    names = {path.relative_to(ROOT).as_posix() for path in python_paths()}
    assert {"activities/services.py", "letters/models.py", "w4r/views.py"} <= names
    assert not any("/migrations/" in name for name in names)


PLANTED_CASE_PACK = """
def check(place, path, key, problem):
    yield PackError(place, "is required")
    yield PackError(place, _("is required"))
    yield PackError("case.slug", f"{key!r} is used twice")
    yield PackError(place, message="no such file in the pack")
    yield PackError(f"{place}.key", _("%(key)s is used twice") % {"key": key})
    yield PackError(place, _("%(path)s %(problem)s") % {"path": path, "problem": problem})
    raise ImageRejected("is a damaged image")
    raise ImageRejected(_("is a damaged image"))
    raise PackReadError("leaves the pack")
    raise PackReadError([PackError(path, "leaves the pack")])
    raise PackReadError([PackError(path, _("leaves the pack"))])
"""


def test_python_checker_reports_case_pack_problems_given_as_literals():
    """The message of a PackError, an ImageRejected or a PackReadError; never
    the place, which is a path in the pack ("case.slug")."""
    assert python_texts(PLANTED_CASE_PACK) == [
        (3, "is required"),
        (5, "{…} is used twice"),
        (6, "no such file in the pack"),
        (9, "is a damaged image"),
        (11, "leaves the pack"),
        (12, "leaves the pack"),
    ]


PLANTED_COMMAND = """
class Command(BaseCommand):
    help = "Load a case pack."

    def add_arguments(self, parser):
        parser.add_argument("paths", help="pack folders")
        parser.add_argument("--check", help=_("validate only"))

    def handle(self, *args, paths, **options):
        self.stdout.write(f"{paths}: loaded")
        self.stderr.write(_("%(path)s: loaded") % {"path": paths})
        self.stdout.write(self.style.SUCCESS("done"))
        self.stdout.write(f"  {paths}")
        raise CommandError("some case packs were not loaded")
"""


def test_python_checker_reports_what_a_command_prints():
    """A command's help, its arguments' help, what it writes and its errors;
    a line that only lays out computed values passes."""
    assert python_texts(PLANTED_COMMAND) == [
        (3, "Load a case pack."),
        (6, "pack folders"),
        (10, "{…}: loaded"),
        (12, "done"),
        (14, "some case packs were not loaded"),
    ]


@pytest.mark.parametrize(
    "source",
    [
        'messages.info(request, _("Welcome back."))',
        'raise SessionError(ngettext("%(n)s seat", "%(n)s seats", n) % {"n": n})',
        "raise SessionError(str(exc)) from None",
        'log.error("Saved %s", x)',
        'HttpResponse("", status=204)',
        'HttpResponse(b"ok")',
    ],
)
def test_python_checker_lets_translated_and_computed_messages_pass(source):
    assert python_texts(source) == []

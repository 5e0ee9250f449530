"""What user text may contain, for every field of every step kind.

A service cleans text with `clean_line` (one line: nicknames, titles) or
`clean_text` (several lines: ideas, notes, letters) before it is saved, and
shows the `TextRefused` message to the person. The rules:

* Unicode NFC, so one letter is stored one way;
* no control, format, surrogate, private-use or unassigned characters: that
  refuses NUL (PostgreSQL refuses it in text), U+202E and the other bidi
  overrides, zero-width characters, lone surrogates and U+FFFD (what invalid
  UTF-8 in a request decodes to), except a zero-width joiner between two
  emoji (👩‍💻), a zero-width non-joiner or joiner inside a word of a script
  that needs them (Persian "می‌خواهم", Kurdish, Hindi, Bengali, Sinhala...:
  they change how the letters around them are drawn, so the word looks
  different with or without them) and, in long text, newlines;
* at most a few combining marks in a row, so text cannot pile marks over
  the lines around it;
* not empty once trimmed, and at most `max_length` characters.

Text is always shown as text: templates escape it (never `|safe` on it) and
the live stream frames every line of a part as its own `data:` field.
"""

import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
REPLACEMENT_CHARACTER = "\ufffd"
ZERO_WIDTH_JOINER = "\u200d"
ZERO_WIDTH_NON_JOINER = "\u200c"
# Scripts whose ordinary words use U+200C/U+200D between their letters (the
# first word of the letters' Unicode names). In Latin, Greek or Cyrillic they
# would only hide a difference between two names that look the same.
JOINING_SCRIPTS = frozenset(
    {
        "ARABIC",
        "SYRIAC",
        "NKO",
        "MONGOLIAN",
        "DEVANAGARI",
        "BENGALI",
        "GURMUKHI",
        "GUJARATI",
        "ORIYA",
        "TAMIL",
        "TELUGU",
        "KANNADA",
        "MALAYALAM",
        "SINHALA",
        "MYANMAR",
        "KHMER",
        "TIBETAN",
    }
)
MAX_COMBINING_MARKS = 4
_EMOJI_CATEGORIES = {"So", "Sk"}
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}


class TextRefused(ValueError):
    """Text a field refuses; the message is for the person who typed it."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def _joins_emoji(text, index):
    return (
        0 < index < len(text) - 1
        and (
            unicodedata.category(text[index - 1]) in _EMOJI_CATEGORIES
            or text[index - 1] == "\ufe0f"
        )
        and unicodedata.category(text[index + 1]) in _EMOJI_CATEGORIES
    )


def _is_joining_letter(char):
    """A letter or mark of a script that uses the zero-width (non-)joiner."""
    return (
        unicodedata.category(char)[0] in "LM"
        and unicodedata.name(char, "").split(" ")[0] in JOINING_SCRIPTS
    )


def _inside_a_word(text, index):
    """A (non-)joiner with a letter of a joining script on both sides: inside
    a word, never alone, at an end or beside another joiner."""
    return (
        0 < index < len(text) - 1
        and _is_joining_letter(text[index - 1])
        and _is_joining_letter(text[index + 1])
    )


def refused_character(text, *, allow_newlines=False):
    """The first character `text` may not contain, or None."""
    marks = 0
    for index, char in enumerate(text):
        if char == "\n" and allow_newlines:
            marks = 0
            continue
        category = unicodedata.category(char)
        if category in ("Mn", "Me"):
            marks += 1
            if marks > MAX_COMBINING_MARKS:
                return char
            continue
        marks = 0
        if char == ZERO_WIDTH_JOINER and _joins_emoji(text, index):
            continue
        if char in (ZERO_WIDTH_NON_JOINER, ZERO_WIDTH_JOINER) and _inside_a_word(text, index):
            continue
        if category in REFUSED_CATEGORIES or char == REPLACEMENT_CHARACTER:
            return char
    return None


def _check(text, *, max_length, allow_newlines, required):
    if refused_character(text, allow_newlines=allow_newlines) is not None:
        raise TextRefused(
            _("This text cannot contain control or invisible characters."), "invisible"
        )
    if required and not text:
        raise TextRefused(_("Write something first."), "empty")
    if len(text) > max_length:
        raise TextRefused(
            ngettext(
                "This text can be at most %(max)d character long.",
                "This text can be at most %(max)d characters long.",
                max_length,
            )
            % {"max": max_length},
            "too_long",
        )
    return text


def clean_line(raw, *, max_length, required=True):
    """One line of text: trimmed, inner runs of spaces made one."""
    text = unicodedata.normalize("NFC", raw or "")
    if refused_character(text) is not None:  # before split() eats tabs and newlines
        raise TextRefused(
            _("This text cannot contain control or invisible characters."), "invisible"
        )
    return _check(
        " ".join(text.split()), max_length=max_length, allow_newlines=False, required=required
    )


def clean_text(raw, *, max_length, required=True):
    """Several lines: line breaks made "\\n", tabs made spaces, each line's
    trailing spaces and the text's leading and trailing blank lines dropped."""
    text = unicodedata.normalize("NFC", raw or "")
    for old, new in _LINE_BREAKS.items():
        text = text.replace(old, new)
    text = text.replace("\t", "    ")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    if not text.strip():
        text = ""
    return _check(text, max_length=max_length, allow_newlines=True, required=required)


CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value):
    """A value safe to put in a CSV cell opened by a spreadsheet: text that
    would start a formula (=, +, -, @) gets a leading apostrophe. Every CSV
    export of user text goes through this."""
    text = "" if value is None else str(value)
    if text.startswith(CSV_FORMULA_STARTS):
        return "'" + text
    return text

"""Languages in templates: the language chooser, which language a case text
is shown in, the JavaScript catalog's address, numbers and durations.

Numbers are written with Western digits in every language, Arabic included
(Django's formats do; so do static/w4r/*.js): grouped the language's way
where they stand alone (`number`), plain inside a sentence.

Pushed parts are rendered without a request (activities/live/render.py), in
the audience's language: everything here reads the active language, never
the request.
"""

from django import template
from django.conf import settings
from django.utils import formats, translation
from django.utils.html import format_html

from w4r.jsi18n import catalog_url

from ..content import LocalizedText

register = template.Library()

# Each language named in itself, as its speakers look for it in a list.
OWN_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}


def own_name(code):
    if code in OWN_NAMES:
        return OWN_NAMES[code]
    return translation.get_language_info(code)["name_local"].capitalize()


def _base(code):
    return (code or "").lower().split("-")[0]


@register.simple_tag
def js_catalog_url():
    """The JavaScript catalog of the active language (w4r/jsi18n.py)."""
    return catalog_url()


@register.simple_tag
def language_choices():
    """[{code, name, current}] of the languages the app is offered in."""
    current = translation.get_language()
    return [
        {"code": code, "name": own_name(code), "current": code == current}
        for code, _name in settings.LANGUAGES
    ]


# Languages that write a language's name with a capital inside a sentence;
# Django's catalogs capitalize them all, as entries of a list.
CAPITALIZED_LANGUAGE_NAMES = {"en", "de", "nl"}


def language_name(code):
    """A language's name in the active language, as it reads inside a
    sentence ("English", "anglais", "inglés", "الإنجليزيّة")."""
    try:
        name = str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code
    if _base(translation.get_language()) in CAPITALIZED_LANGUAGE_NAMES:
        return name
    return name.lower()


@register.inclusion_tag("activities/_case_language.html", takes_context=True)
def case_language_notice(context):
    """Once per screen: "This case is shown in English: it has no text in
    French yet", when the screen shows the case (its `step`, or the case
    itself in the lobby) in another language than the reader's."""
    content = context.get("content")
    if content is None:
        return {}
    language = translation.get_language()
    step = context.get("step")
    how = content.untranslated(language, step.path if step is not None else ("case",))
    if how is None:
        return {}
    return {
        "how": how,
        "shown": language_name(content.language),
        "wanted": language_name(language),
    }


def is_foreign(text):
    """A case text in another language than the reader's."""
    return isinstance(text, LocalizedText) and _base(text.language) != _base(
        translation.get_language()
    )


@register.filter
def in_lang(text):
    """A case text, marked with its language when it is not the reader's
    (the pack has no translation): screen readers then pronounce it right,
    and dir="auto" lays it out in its own direction inside a page in the other."""
    if is_foreign(text):
        return format_html('<span lang="{}" dir="auto">{}</span>', text.language, text.text)
    return text


@register.filter
def lang_attrs(text):
    """The same, as attributes for an element that holds the text."""
    if is_foreign(text):
        return format_html(' lang="{}" dir="auto"', text.language)
    return ""


@register.filter
def number(value):
    """A count standing alone, grouped the active language's way (Django's
    formats: 2,000 in English, 2 000 in French and Spanish, 2000 in Arabic)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return formats.number_format(value, force_grouping=True)

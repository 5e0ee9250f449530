"""Read access to a case version's content (the validated case pack).

Texts in a pack are either a plain string, in the pack's language, or a
mapping from language code to string. `localize` picks the best one for the
language being shown.
"""

import re
from dataclasses import dataclass
from functools import cached_property

from django.utils import translation


@dataclass(frozen=True)
class LocalizedText:
    text: str
    language: str

    def __str__(self):
        return self.text


def localize(value, *, default_language, language=None):
    """The text for `language` (the active one by default), else the pack's own."""
    if value is None:
        return None
    if isinstance(value, str):
        return LocalizedText(value, default_language)
    wanted = (language or translation.get_language() or default_language).lower()
    by_code = {code.lower(): code for code in value}
    for candidate in (wanted, wanted.split("-")[0], default_language.lower()):
        if candidate in by_code:
            code = by_code[candidate]
            return LocalizedText(value[code], code)
    first = next(iter(value))
    return LocalizedText(value[first], first)


def _base(code):
    """ "pt-BR" -> "pt": a reader of Brazilian Portuguese reads a "pt" text."""
    return (code or "").lower().split("-")[0]


# A language code as case packs write them (the schema's "language").
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def _is_text_mapping(value):
    """A {language: text} mapping, not a piece of the pack such as a figure
    ({"value": ..., "label": ...}) whose keys merely look short."""
    return (
        isinstance(value, dict)
        and value
        and all(
            isinstance(key, str) and _LANGUAGE_CODE.match(key) and isinstance(text, str)
            for key, text in value.items()
        )
    )


class _Part:
    """A piece of a pack whose text fields come out localized."""

    def __init__(self, data, content):
        self.data = data
        self._content = content

    def t(self, field):
        return self._content.t(self.data.get(field))

    def ts(self, field):
        return [self._content.t(item) for item in self.data.get(field, [])]

    def __getattr__(self, name):
        """Templates read any field of the pack: texts come out localized."""
        try:
            value = self.data[name]
        except KeyError:
            raise AttributeError(name) from None
        return self._wrap(value)

    def _wrap(self, value):
        if isinstance(value, str) or _is_text_mapping(value):
            return self._content.t(value)
        if isinstance(value, dict):
            return _Part(value, self._content)
        if isinstance(value, list):
            return [self._wrap(item) for item in value]
        return value


class Step(_Part):
    def __init__(self, data, content, index, path=None):
        super().__init__(data, content)
        self.index = index
        # Where the step is in the pack, e.g. ("activities", 0, "steps", 2).
        self.path = path or ()
        self.key = data["key"]
        self.kind = data["kind"]
        self.minutes = data["minutes"]
        self.optional = data.get("optional", False)

    @property
    def number(self):
        return self.index + 1

    @property
    def title(self):
        return self.t("title")

    @property
    def instructions(self):
        return self.ts("instructions")

    @property
    def read_aloud(self):
        return self.ts("read_aloud")

    @property
    def participant_text(self):
        return self.ts("participant_text")

    @property
    def questions(self):
        return self.ts("questions")

    def __repr__(self):
        return f"<Step {self.key} ({self.kind})>"


class Activity(_Part):
    def __init__(self, data, content, index=0):
        super().__init__(data, content)
        self.key = data["key"]
        self.minutes = data["minutes"]
        self.steps = [
            Step(step, content, number, ("activities", index, "steps", number))
            for number, step in enumerate(data["steps"])
        ]
        self._by_key = {step.key: step for step in self.steps}

    @property
    def title(self):
        return self.t("title")

    def step(self, key):
        return self._by_key.get(key)

    def step_after(self, key):
        step = self.step(key)
        if step is None:
            return self.steps[0]
        return self.steps[step.index + 1] if step.index + 1 < len(self.steps) else None

    def step_before(self, key):
        step = self.step(key)
        if step is None or step.index == 0:
            return None
        return self.steps[step.index - 1]


class CaseContent:
    def __init__(self, data, images=None):
        self.data = data
        self.language = data["language"]
        self.images = images or {}
        self.activities = [
            Activity(activity, self, index) for index, activity in enumerate(data["activities"])
        ]

    def t(self, value):
        return localize(value, default_language=self.language)

    def t_in(self, value, language):
        return localize(value, default_language=self.language, language=language)

    @cached_property
    def _texts(self):
        from .casepacks.translations import texts_of

        return texts_of(self.data)

    def untranslated(self, language, within=()):
        """How much of the case a reader of `language` reads in another
        language, among the texts under the path `within` (a step's path, or
        ("case",)): None when all of them are in `language` (or `language` is
        the pack's own), "all" when the pack has no text at all in it,
        "some" when it has some, but not all of these."""
        wanted = _base(language)
        if wanted == _base(self.language):
            return None
        within = tuple(within)
        found = [
            (path, _base(self.t_in(value, language).language) == wanted)
            for path, value in self._texts
        ]
        if not any(ok for _path, ok in found):
            return "all"
        here = [ok for path, ok in found if path[: len(within)] == within]
        return None if all(here) else "some"

    def activity(self, key):
        for activity in self.activities:
            if activity.key == key:
                return activity
        return None

    @property
    def campaign(self):
        return _Part(self.data["campaign"], self)

    @property
    def case(self):
        return _Part(self.data["case"], self)

    @property
    def authority(self):
        return _Part(self.data["targets"]["authority"], self)

    @property
    def solidarity(self):
        return _Part(self.data["targets"]["solidarity"], self)

    @property
    def hashtags(self):
        return self.data["targets"].get("hashtags", [])

    def background(self, key):
        for page in self.data["case"].get("background", []):
            if page["key"] == key:
                return _Part(page, self)
        return None

    def image(self, path):
        return self.images.get(path)

    @property
    def picture(self):
        picture = self.data["case"].get("picture")
        if not picture:
            return None
        return {
            "image": self.image(picture["file"]),
            "alt": self.t(picture["alt"]),
            "credit": self.t(picture.get("credit")),
        }

"""Whole-pack validation: the JSON Schema first, then the rules a schema cannot
say (keys that must be unique, matches that name existing cards, images that
must be real). Every problem is collected with its place; none stops the
others from being found.

Each problem's message is made in the active language when it is found (the
admin's, during the upload request; the command's, in `loadcase`); its place
(`activities[0].steps[2].title`) is a path in the pack, never translated."""

import json
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from jsonschema import Draft202012Validator

from .errors import PackError
from .images import ImageRejected, clean_image
from .reader import PackReadError, safe_pack_path

SCHEMA_PATH = Path(__file__).with_name("schema.json")


@cache
def schema():
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _validator():
    return Draft202012Validator(schema())


def place_of(path):
    place = ""
    for part in path:
        place += f"[{part}]" if isinstance(part, int) else (f".{part}" if place else str(part))
    return place


def _join(place, name):
    return f"{place}.{name}" if place else name


def _must_be_of_type(type_name):
    """The message for a value of the wrong JSON type, in the active language."""
    # Each a whole sentence about the value at the problem's place, so that a
    # translation can make the words agree.
    messages = {
        "string": _("must be text"),
        "integer": _("must be a whole number"),
        "number": _("must be a number"),
        "array": _("must be a list"),
        "object": _("must be a mapping of fields"),
        "boolean": _("must be true or false"),
    }
    if isinstance(type_name, str) and type_name in messages:
        return messages[type_name]
    # Translators: %(type)s is a JSON Schema type name, in English ("null").
    return _("must be of type %(type)s") % {"type": type_name}


def _quoted_list(values):
    """Names from the pack or the schema, as written there: 'a', 'b', 'c'."""
    return ", ".join(repr(value) for value in values)


def _describe(error):
    """A schema error as a sentence an admin understands, and its place."""
    place = place_of(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        # Translators: said of a field that a case pack lacks; the field's
        # place (case.name) is shown before it.
        return _join(place, missing), _("is required")
    if kind == "additionalProperties":
        extras = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        # Translators: %(names)s lists field names as written in the pack, in
        # quotes: 'nmae', 'colour'.
        message = ngettext("unknown field %(names)s", "unknown fields %(names)s", len(extras))
        return place, message % {"names": _quoted_list(extras)}
    if kind == "type":
        return place, _must_be_of_type(value)
    if kind == "oneOf" and error.schema.get("description", "").startswith("A text"):
        return place, _("must be text: a string, or a mapping from language code to string")
    if kind == "enum":
        if place.endswith(".kind"):
            # Translators: %(kind)s is the step kind the pack names, in quotes
            # ('dance'); %(kinds)s lists the kinds there are (story, matching…),
            # which are names in the pack's format: keep them as they are.
            message = _("unknown step kind %(kind)s; known kinds: %(kinds)s")
            return place, message % {"kind": repr(error.instance), "kinds": ", ".join(value)}
        # Translators: %(values)s lists the values allowed, in quotes: 'a', 'b'.
        return place, _("must be one of %(values)s") % {"values": _quoted_list(value)}
    if kind == "const":
        # Translators: %(value)s is the only value allowed here, as written
        # in the pack (e.g. 1, for the pack's format).
        return place, _("must be %(value)s") % {"value": repr(value)}
    if kind == "minLength":
        if value == 1:
            return place, _("must not be empty")
        message = ngettext(
            "needs at least %(count)d character", "needs at least %(count)d characters", value
        )
        return place, message % {"count": value}
    if kind == "maxLength":
        message = ngettext(
            "is too long (at most %(max)d character)",
            "is too long (at most %(max)d characters)",
            value,
        )
        return place, message % {"max": value}
    if kind == "minItems":
        # Translators: said of a list in a case pack (of steps, of cards…).
        message = ngettext("needs at least %(count)d item", "needs at least %(count)d items", value)
        return place, message % {"count": value}
    if kind == "maxItems":
        # Translators: said of a list in a case pack; %(max)d is how many items it may have.
        return place, _("has too many items (at most %(max)d)") % {"max": value}
    if kind == "minProperties":
        return place, _("must not be empty")
    if kind == "minimum":
        # Translators: said of a number in a case pack (a year, minutes…).
        return place, _("must be at least %(minimum)s") % {"minimum": value}
    if kind == "maximum":
        # Translators: said of a number in a case pack (a year, minutes…).
        return place, _("must be at most %(maximum)s") % {"maximum": value}
    if kind == "pattern":
        if "a-z0-9" in value:
            return place, _("must be a key: lower-case letters, digits and hyphens, at most 50")
        if value.startswith("^#"):
            return place, _("must be a hashtag such as #W4R24")
        if value.startswith("^https"):
            return place, _("must be an https:// address")
        if "@" in value:
            return place, _("must be an email address")
        if "[a-z]{2,3}" in value:
            return place, _("must be a language code such as en, fr or pt-BR")
        return place, _("has the wrong form")
    if kind == "propertyNames":
        return place, _("keys must be language codes such as en, fr or pt-BR")
    # No rule of the current schema ends here: jsonschema's own words, in English.
    return place, error.message


def _leaf_errors(error):
    # Descend into oneOf/allOf failures only where they say more than the parent.
    if error.validator in ("allOf", "if", "then") and error.context:
        for sub in error.context:
            yield from _leaf_errors(sub)
    else:
        yield error


def schema_errors(data):
    errors = []
    for error in _validator().iter_errors(data):
        for leaf in _leaf_errors(error):
            place, message = _describe(leaf)
            errors.append(PackError(place, message))
    return errors


def _dicts(value):
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _list(value):
    return value if isinstance(value, list) else []


def _key_used_twice(what, key):
    """The message for a key given to two items of one list, in the active language."""
    # One whole sentence for each kind of list, so that a translation can make
    # the words agree; the key is shown as written in the pack, in quotes.
    messages = {
        "background": _("background page key %(key)s is used twice"),
        "activity": _("activity key %(key)s is used twice"),
        "step": _("step key %(key)s is used twice"),
        "card": _("card key %(key)s is used twice"),
    }
    return messages[what] % {"key": repr(key)}


def _duplicates(items, place, what):
    seen = set()
    for index, item in enumerate(items):
        key = item.get("key")
        if isinstance(key, str) and key in seen:
            yield PackError(f"{place}[{index}].key", _key_used_twice(what, key))
        seen.add(key)


def _check_matching(step, place):
    rights = _dicts(step.get("rights"))
    experiences = _dicts(step.get("experiences"))
    seen = set()
    for field, cards in (("rights", rights), ("experiences", experiences)):
        for index, card in enumerate(cards):
            key = card.get("key")
            if isinstance(key, str) and key in seen:
                yield PackError(f"{place}.{field}[{index}].key", _key_used_twice("card", key))
            seen.add(key)
    right_keys = {card.get("key") for card in rights}
    experience_keys = {card.get("key") for card in experiences}
    matched = set()
    for index, match in enumerate(_dicts(step.get("matches"))):
        experience = match.get("experience")
        if isinstance(experience, str) and experience not in experience_keys:
            yield PackError(
                f"{place}.matches[{index}].experience",
                # Translators: %(key)s is a card key as written in the pack, in quotes.
                _("no experience card with key %(key)s") % {"key": repr(experience)},
            )
        if experience in matched:
            yield PackError(
                f"{place}.matches[{index}].experience",
                # Translators: %(key)s is an experience card's key, in quotes; a
                # matching step lists each experience once, with all its rights.
                _("experience %(key)s has two entries; list all its rights in one")
                % {"key": repr(experience)},
            )
        matched.add(experience)
        for right_index, right in enumerate(_list(match.get("rights"))):
            if isinstance(right, str) and right not in right_keys:
                yield PackError(
                    f"{place}.matches[{index}].rights[{right_index}]",
                    # Translators: %(key)s is a card key as written in the pack, in quotes.
                    _("no rights card with key %(key)s") % {"key": repr(right)},
                )


def semantic_errors(data):
    if not isinstance(data, dict):
        return []
    errors = []
    case = data.get("case") if isinstance(data.get("case"), dict) else {}
    background = _dicts(case.get("background"))
    errors += _duplicates(background, "case.background", "background")
    background_keys = {page.get("key") for page in background}

    activities = _dicts(data.get("activities"))
    errors += _duplicates(activities, "activities", "activity")
    for a_index, activity in enumerate(data.get("activities") or []):
        if not isinstance(activity, dict):
            continue
        steps = _dicts(activity.get("steps"))
        errors += _duplicates(steps, f"activities[{a_index}].steps", "step")
        for s_index, step in enumerate(activity.get("steps") or []):
            if not isinstance(step, dict):
                continue
            place = f"activities[{a_index}].steps[{s_index}]"
            if step.get("kind") == "matching":
                errors += _check_matching(step, place)
            for b_index, key in enumerate(_list(step.get("background"))):
                if isinstance(key, str) and key not in background_keys:
                    # Translators: %(key)s is a background page's key, in quotes.
                    message = _("no background page %(key)s") % {"key": repr(key)}
                    errors.append(PackError(f"{place}.background[{b_index}]", message))
    return errors


def image_references(data):
    """(place, path) of every image the pack names."""
    if not isinstance(data, dict):
        return []
    references = []
    case = data.get("case")
    if isinstance(case, dict) and isinstance(case.get("picture"), dict):
        references.append(("case.picture.file", case["picture"].get("file")))
    campaign = data.get("campaign")
    if isinstance(campaign, dict):
        for index, story in enumerate(_dicts(campaign.get("success_stories"))):
            if isinstance(story.get("picture"), dict):
                references.append(
                    (
                        f"campaign.success_stories[{index}].picture.file",
                        story["picture"].get("file"),
                    )
                )
    return [(place, path) for place, path in references if isinstance(path, str)]


def _file_problem(path, problem):
    """What is wrong with an image file, placed at the field that names it."""
    # Translators: %(path)s is the image file's path in the pack, in quotes
    # ('images/portrait.png'); %(problem)s is what is wrong with it, already
    # translated: "leaves the pack", "is a damaged image", "is larger than 5 MB"…
    return _("%(path)s %(problem)s") % {"path": repr(path), "problem": problem}


def check_images(raw_pack):
    """Validated, re-encoded images by path, and the problems found."""
    images, errors = {}, []
    for place, path in image_references(raw_pack.data):
        if safe_pack_path(path) is None:
            errors.append(PackError(place, _file_problem(path, _("leaves the pack"))))
            continue
        try:
            images[path] = clean_image(raw_pack.read(path))
        except PackReadError as exc:
            errors += [PackError(place, _file_problem(path, error.message)) for error in exc.errors]
        except ImageRejected as exc:
            errors.append(PackError(place, _file_problem(path, str(exc))))
    return images, errors


def translation_errors(raw_pack, *, pack_is_valid):
    """Fold each translations/<language>.yaml into the pack's texts (in
    place, so the stored version holds the {language: text} mappings) and
    return the problems, each placed in its file."""
    from . import translations  # it reads this module's schema

    errors = []
    data = raw_pack.data
    own = data.get("language") if isinstance(data, dict) else None
    for language, (path, overlay) in sorted(raw_pack.translations.items()):
        if isinstance(own, str) and language.lower() == own.lower():
            errors.append(
                PackError(
                    path,
                    # Translators: said of a translation file; %(language)s is
                    # the pack's language code (en), %(file)s its file (pack.yaml).
                    _("is in the pack's own language (%(language)s): write those texts in %(file)s")
                    % {"language": own, "file": raw_pack.pack_file},
                )
            )
        elif not isinstance(overlay, dict):
            # Translators: said of a translation file; keep "pack.yaml" as it is.
            message = _("must be a mapping of fields, like pack.yaml")
            errors.append(PackError(path, message))
        elif pack_is_valid:
            errors += translations.apply(data, language, overlay, source=path)
    return errors


def validate(raw_pack):
    """All the problems of a pack, and its cleaned images when there are none."""
    errors = schema_errors(raw_pack.data) + semantic_errors(raw_pack.data)
    # A translation is laid over the pack's texts: only a valid pack has a
    # shape to lay it over, so its files are checked once pack.yaml is.
    errors += translation_errors(raw_pack, pack_is_valid=not errors)
    images, image_errors = check_images(raw_pack)
    return images, errors + image_errors

"""Whole-pack validation: the JSON Schema first, then the rules a schema cannot
say (keys that must be unique, matches that name existing cards, images that
must be real). Every problem is collected with its place; none stops the
others from being found."""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from .errors import PackError
from .images import ImageRejected, clean_image
from .reader import PackReadError, safe_pack_path

SCHEMA_PATH = Path(__file__).with_name("schema.json")

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "array": "a list",
    "object": "a mapping of fields",
    "boolean": "true or false",
}


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


def _describe(error):
    """A schema error as a sentence an admin understands, and its place."""
    place = place_of(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return _join(place, missing), "is required"
    if kind == "additionalProperties":
        extras = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return place, "unknown field" + ("s " if len(extras) > 1 else " ") + ", ".join(
            repr(extra) for extra in extras
        )
    if kind == "type":
        return place, f"must be {_TYPE_WORDS.get(value, value)}"
    if kind == "oneOf" and error.schema.get("description", "").startswith("A text"):
        return place, "must be text: a string, or a mapping from language code to string"
    if kind == "enum":
        if place.endswith(".kind"):
            return place, f"unknown step kind {error.instance!r}; known kinds: " + ", ".join(value)
        return place, "must be one of " + ", ".join(repr(item) for item in value)
    if kind == "const":
        return place, f"must be {value!r}"
    if kind == "minLength":
        return place, "must not be empty" if value == 1 else f"needs at least {value} characters"
    if kind == "maxLength":
        return place, f"is too long (at most {value} characters)"
    if kind == "minItems":
        return place, f"needs at least {value} item" + ("s" if value > 1 else "")
    if kind == "maxItems":
        return place, f"has too many items (at most {value})"
    if kind == "minProperties":
        return place, "must not be empty"
    if kind == "minimum":
        return place, f"must be at least {value}"
    if kind == "maximum":
        return place, f"must be at most {value}"
    if kind == "pattern":
        if "a-z0-9" in value:
            return place, "must be a key: lower-case letters, digits and hyphens, at most 50"
        if value.startswith("^#"):
            return place, "must be a hashtag such as #W4R24"
        if value.startswith("^https"):
            return place, "must be an https:// address"
        if "@" in value:
            return place, "must be an email address"
        if "[a-z]{2,3}" in value:
            return place, "must be a language code such as en, fr or pt-BR"
        return place, "has the wrong form"
    if kind == "propertyNames":
        return place, "keys must be language codes such as en, fr or pt-BR"
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


def _duplicates(items, place, what):
    seen = set()
    for index, item in enumerate(items):
        key = item.get("key")
        if isinstance(key, str) and key in seen:
            yield PackError(f"{place}[{index}].key", f"{what} key {key!r} is used twice")
        seen.add(key)


def _check_matching(step, place):
    rights = _dicts(step.get("rights"))
    experiences = _dicts(step.get("experiences"))
    seen = set()
    for field, cards in (("rights", rights), ("experiences", experiences)):
        for index, card in enumerate(cards):
            key = card.get("key")
            if isinstance(key, str) and key in seen:
                yield PackError(f"{place}.{field}[{index}].key", f"card key {key!r} is used twice")
            seen.add(key)
    right_keys = {card.get("key") for card in rights}
    experience_keys = {card.get("key") for card in experiences}
    matched = set()
    for index, match in enumerate(_dicts(step.get("matches"))):
        experience = match.get("experience")
        if isinstance(experience, str) and experience not in experience_keys:
            yield PackError(
                f"{place}.matches[{index}].experience",
                f"no experience card with key {experience!r}",
            )
        if experience in matched:
            yield PackError(
                f"{place}.matches[{index}].experience",
                f"experience {experience!r} has two entries; list all its rights in one",
            )
        matched.add(experience)
        for right_index, right in enumerate(_list(match.get("rights"))):
            if isinstance(right, str) and right not in right_keys:
                yield PackError(
                    f"{place}.matches[{index}].rights[{right_index}]",
                    f"no rights card with key {right!r}",
                )


def semantic_errors(data):
    if not isinstance(data, dict):
        return []
    errors = []
    case = data.get("case") if isinstance(data.get("case"), dict) else {}
    background = _dicts(case.get("background"))
    errors += _duplicates(background, "case.background", "background page")
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
                    errors.append(
                        PackError(f"{place}.background[{b_index}]", f"no background page {key!r}")
                    )
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


def check_images(raw_pack):
    """Validated, re-encoded images by path, and the problems found."""
    images, errors = {}, []
    for place, path in image_references(raw_pack.data):
        if safe_pack_path(path) is None:
            errors.append(PackError(place, f"{path!r} leaves the pack"))
            continue
        try:
            images[path] = clean_image(raw_pack.read(path))
        except PackReadError as exc:
            errors += [PackError(place, f"{path!r} {error.message}") for error in exc.errors]
        except ImageRejected as exc:
            errors.append(PackError(place, f"{path!r} {exc}"))
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
                    f"is in the pack's own language ({own}): write those texts in "
                    f"{raw_pack.pack_file}",
                )
            )
        elif not isinstance(overlay, dict):
            errors.append(PackError(path, "must be a mapping of fields, like pack.yaml"))
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

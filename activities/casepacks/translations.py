"""A pack's texts in other languages, kept in one file per language.

`translations/<language>.yaml` in a pack mirrors `pack.yaml` but holds only
texts: the places the schema declares as a text (`#/$defs/text`). Objects
carry the keys they translate; lists keep the length and order of the pack's
list, with `null` for an entry left as it is. Reading a pack folds each file
into the pack's texts as `{language: text}` mappings (see docs/case-packs.md).
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .errors import PackError
from .validation import place_of, schema

TEXT_REF = "#/$defs/text"


def _max_text_length():
    return schema()["$defs"]["text"]["oneOf"][0]["maxLength"]


def _resolve(node):
    ref = node.get("$ref") if isinstance(node, dict) else None
    if ref is None:
        return node
    name = ref.rsplit("/", 1)[-1]
    return _resolve(schema()["$defs"][name]) | {"$ref": ref}


def _matches(condition, value):
    """The `if` of an if/then, as this schema writes it (constants on properties)."""
    if not isinstance(value, dict):
        return False
    if any(key not in value for key in condition.get("required", ())):
        return False
    for key, rule in condition.get("properties", {}).items():
        if "const" in rule and value.get(key) != rule["const"]:
            return False
    return True


def _applicable(node, value):
    """Every schema that governs `value`: `node` itself and what its allOf adds."""
    node = _resolve(node)
    if not isinstance(node, dict):  # `true`: anything goes, and holds no text
        return []
    found = [node]
    for part in node.get("allOf", ()):
        if "if" in part:
            if _matches(part["if"], value) and "then" in part:
                found += _applicable(part["then"], value)
        else:
            found += _applicable(part, value)
    return found


def _is_text(nodes):
    return any(node.get("$ref") == TEXT_REF for node in nodes)


def _children(nodes, key):
    found = []
    for node in nodes:
        if key in node.get("properties", {}):
            found.append(node["properties"][key])
        elif isinstance(node.get("additionalProperties"), dict):
            found.append(node["additionalProperties"])
    return found


def _items(nodes):
    return [node["items"] for node in nodes if isinstance(node.get("items"), dict)]


def _walk(nodes, value, path):
    """(path, value) of every text in `value`, a path being a tuple of keys and indexes."""
    nodes = [applied for node in nodes for applied in _applicable(node, value)]
    if _is_text(nodes):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(_children(nodes, key), child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(_items(nodes), child, (*path, index))


def texts_of(data):
    """(path, text) of every translatable text of a pack's data."""
    return list(_walk([schema()], data, ()))


def _own_text(value, language):
    if isinstance(value, str):
        return value
    return value.get(language) or next(iter(value.values()))


def skeleton(data, language=None):
    """A translation file to start from: every text of the pack, in its own
    language, or already in `language` where the pack has it."""
    result = {}
    own = data.get("language", "en")
    for path, value in texts_of(data):
        text = value.get(language) if language and isinstance(value, dict) else None
        _put(result, path, text or _own_text(value, own), data)
    return result


def _put(target, path, text, data):
    """Set `text` at `path` in `target`, creating the objects and the lists
    (padded with None to the pack's length) on the way."""
    original = data
    for position, step in enumerate(path):
        original = original[step]
        last = position == len(path) - 1
        if last:
            target[step] = text
            break
        fresh = [None] * len(original) if isinstance(original, list) else {}
        if isinstance(target, list):
            if target[step] is None:
                target[step] = fresh
        else:
            target.setdefault(step, fresh)
        target = target[step]


def apply(data, language, overlay, *, source):
    """Add the texts of `overlay` to `data` for `language`, in place; return a
    PackError per place where the overlay does not fit the pack."""
    errors = []
    places = {path for path, _ in texts_of(data)}

    def visit(value, path):
        if value is None:
            return
        if path in places:
            if not isinstance(value, str) or not value.strip():
                errors.append(PackError(_where(source, path), _("a translation must be a text")))
            elif len(value) > (limit := _max_text_length()):
                message = ngettext(
                    "is too long (at most %(max)d character)",
                    "is too long (at most %(max)d characters)",
                    limit,
                )
                errors.append(PackError(_where(source, path), message % {"max": limit}))
            else:
                _set_language(data, path, language, value)
            return
        if isinstance(value, dict):
            for key, child in value.items():
                visit(child, (*path, key))
            return
        if isinstance(value, list) and _list_length(data, path) == len(value):
            for index, child in enumerate(value):
                visit(child, (*path, index))
            return
        # Translators: said of a place in a translation file that matches no
        # text of pack.yaml (a field the pack does not have, a list too long…).
        message = _("no text of the pack to translate here")
        errors.append(PackError(_where(source, path), message))

    visit(overlay, ())
    return errors


def _list_length(data, path):
    node = data
    try:
        for step in path:
            node = node[step]
    except (KeyError, IndexError, TypeError):
        return None
    return len(node) if isinstance(node, list) else None


def _set_language(data, path, language, text):
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    current = parent[path[-1]]
    if isinstance(current, str):
        current = {data.get("language", "en"): current}
    parent[path[-1]] = current | {language: text}


def _where(source, path):
    place = place_of(path)
    return f"{source}: {place}" if place else source

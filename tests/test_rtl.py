"""Right to left: Arabic mirrors the layout through logical CSS properties,
not a second stylesheet. A physical left/right in static/w4r/app.css fails
here, unless it is allowed below with its reason."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CSS = ROOT / "static" / "w4r" / "app.css"

# Declarations that say left or right and are right in both directions.
ALLOWED = {
    # The red X over a crossed-out drawing: symmetric, the same mirrored.
    "linear-gradient(to top right",
    "linear-gradient(to bottom right",
}

PHYSICAL_PROPERTY = re.compile(r"(^|-)(left|right)($|-)")
PHYSICAL_VALUE = re.compile(r"\b(left|right)\b|translateX\(|scaleX\(-")


def declarations(css):
    """(selector, property, value) of every declaration, @media blocks included."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for selector, block in re.findall(r"([^{}]*)\{([^{}]*)\}", css):
        for declaration in block.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                yield selector.strip(), name.strip().lower(), " ".join(value.split())


def for_rtl_only(selector):
    """A rule that applies in right-to-left pages only, e.g. to turn an arrow round."""
    return ":dir(rtl)" in selector or re.search(r"\[dir=\"?rtl\"?\]", selector)


def physical(css):
    found = []
    for selector, name, value in declarations(css):
        if any(allowed in value for allowed in ALLOWED):
            continue
        if name == "transform" and value == "scaleX(-1)" and for_rtl_only(selector):
            continue
        unquoted = re.sub(r"\"[^\"]*\"|'[^']*'", '""', value)  # content: "right" is text
        if PHYSICAL_PROPERTY.search(name) or PHYSICAL_VALUE.search(unquoted):
            found.append(f"{name}: {value}")
    return found


def test_app_css_uses_logical_properties_only():
    assert physical(CSS.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "declaration",
    [
        "margin-left: 1rem",
        "padding-right: 0",
        "border-left: 4px solid red",
        "left: 0",
        "text-align: right",
        "float: left",
        "clear: right",
        "background-position: right 1rem center",
        "transform: translateX(1rem)",
        "transform: scaleX(-1)",
        "border-top-left-radius: 4px",
    ],
)
def test_the_check_catches_physical_properties(declaration):
    assert physical(f".x {{ color: red; {declaration}; }}") == [declaration]
    assert physical(f"@media (min-width: 10rem) {{ .x {{ {declaration} }} }}") == [declaration]


@pytest.mark.parametrize(
    "css",
    [
        ".right-cards { margin-inline-start: 1rem; }",  # a human right, not a side
        ".x { text-align: start; float: inline-end; inset-inline-start: 0; }",
        ".x { border-start-start-radius: 4px; }",
        '.x::before { content: "right"; }',
    ],
)
def test_logical_properties_and_names_pass(css):
    assert physical(css) == []


def test_arrows_follow_the_direction_of_reading():
    """← and → are not mirrored by the bidi algorithm: in templates they sit
    in a .dir-arrow, which app.css turns round in right-to-left pages (and
    which screen readers skip)."""
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        bare = re.sub(r'<span class="dir-arrow" aria-hidden="true">[←→]</span>', "", text)
        assert "←" not in bare and "→" not in bare, template
    css = CSS.read_text(encoding="utf-8")
    assert ".dir-arrow:dir(rtl) { transform: scaleX(-1); }" in css


@pytest.mark.parametrize(
    "css",
    [".x:dir(rtl) { transform: scaleX(-1); }", '[dir="rtl"] .x { transform: scaleX(-1); }'],
)
def test_turning_an_arrow_round_in_right_to_left_only_is_allowed(css):
    assert physical(css) == []
    assert physical(".x { transform: scaleX(-1); }") == ["transform: scaleX(-1)"]


def test_what_people_write_is_laid_out_in_its_own_direction():
    """An Arabic idea on an English projector, an English note on an Arabic
    phone: every text people write is shown (and typed) with dir="auto" or
    inside <bdi>."""
    for template in (ROOT / "templates").rglob("*.html"):
        for number, line in enumerate(template.read_text(encoding="utf-8").split("\n"), 1):
            if "|linebreaksbr" in line or "<textarea" in line:
                assert 'dir="auto"' in line or "<bdi>" in line, f"{template}:{number}"

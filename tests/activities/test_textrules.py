"""activities/textrules.py: the zero-width (non-)joiner inside words of the
scripts that need them (Persian, Kurdish, Urdu, Indic scripts, Sinhala...),
refused anywhere else."""

import pytest

from activities.textrules import TextRefused, clean_line, clean_text, refused_character

ZWNJ = "\u200c"
ZWJ = "\u200d"


@pytest.mark.parametrize(
    "text",
    [
        f"می{ZWNJ}خواهم",  # Persian "I want"
        f"کتاب{ZWNJ}ها",  # Persian plural
        f"نامه{ZWNJ}ای به وزیر",  # inside a word, in a sentence
        f"क्{ZWNJ}ष",  # Devanagari: no conjunct
        f"क्{ZWJ}ष",  # Devanagari: half form
        f"ক্{ZWJ}য",  # Bengali
        f"ශ්{ZWJ}රී",  # Sinhala: "Sri" with a touching letter
        f"👩{ZWJ}💻",  # emoji, as before
    ],
)
def test_a_joiner_inside_a_word_is_kept(text):
    assert refused_character(text) is None
    assert clean_line(text, max_length=100) == text
    assert clean_text(f"{text}\n{text}", max_length=100) == f"{text}\n{text}"


@pytest.mark.parametrize(
    "text",
    [
        ZWNJ,  # alone
        ZWJ,
        f"{ZWNJ}{ZWNJ}",
        f"{ZWNJ}می",  # at the start
        f"می{ZWNJ}",  # at the end
        f"می {ZWNJ}خواهم",  # after a space: not inside a word
        f"می{ZWNJ}{ZWNJ}خواهم",  # two in a row
        f"Sa{ZWNJ}m",  # Latin: only a way to make a look-alike of "Sam"
        f"Да{ZWJ}ша",  # Cyrillic
        f"1{ZWNJ}2",
        f"می{ZWNJ}x",  # between two scripts
    ],
)
def test_a_joiner_elsewhere_is_refused(text):
    assert refused_character(text) is not None
    with pytest.raises(TextRefused):
        clean_line(text, max_length=100)


def test_a_text_of_joiners_only_is_refused_not_taken_for_empty():
    with pytest.raises(TextRefused) as caught:
        clean_text(ZWNJ * 3, max_length=100)
    assert caught.value.code == "invisible"

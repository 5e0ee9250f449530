"""An optional word filter for nicknames (Session.filter_nicknames).

The site-wide list is a text file (settings.W4R_BLOCKED_WORDS_FILE): one word
a line, "#" starts a comment, a trailing "*" matches any word that starts
with it. A nickname is refused when one of its words matches, or when it spells
a listed word out letter by letter ("F.U.C.K"). Words are compared folded: case, accents and the
usual digit-for-letter swaps (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s) do not
get around it. Matching whole words keeps "Cassandra" and "Scunthorpe" in.
"""

import re
import unicodedata
from functools import cache

from django.conf import settings

_SWAPS = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)


def fold(text):
    text = unicodedata.normalize("NFKD", text.casefold().translate(_SWAPS))
    return "".join(char for char in text if not unicodedata.combining(char))


@cache
def _load(path):
    exact, prefixes = set(), []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return frozenset(), ()
    for line in lines:
        word = line.split("#", 1)[0].strip()
        if not word:
            continue
        if word.endswith("*"):
            if fold(word[:-1]):
                prefixes.append(fold(word[:-1]))
        else:
            exact.add(fold(word))
    return frozenset(exact), tuple(prefixes)


def blocked_words():
    return _load(settings.W4R_BLOCKED_WORDS_FILE)


def is_blocked(nickname):
    exact, prefixes = blocked_words()
    folded = fold(nickname)
    words = [word for word in re.split(r"[\W_]+", folded) if word]
    # A word spelled out letter by letter ("F.U.C.K", "s h i t") is read whole;
    # real names of short words ("Shi Tao") are not run together.
    if len(words) > 1 and all(len(word) <= 2 for word in words):
        words.append("".join(words))
    return any(word in exact or word.startswith(prefixes) for word in words)

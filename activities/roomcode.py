"""Room codes: short enough to read aloud and type on a phone, hard to guess.

The alphabet leaves out characters that are easy to confuse on a screen or a
phone keyboard (0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, G, U/V). Seven characters from
twenty give 1.28 billion codes: with a thousand rooms open at once, a guesser
needs over a million tries per hit, which the join rate limit makes hopeless.
"""

import re
import secrets

ALPHABET = "ACEFHJKMNPRTWXY34679"
LENGTH = 7
_NOT_CODE = re.compile(r"[\s\-_.]")


def new_room_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_room_code(typed):
    """What a person typed ("k7m-4pxa ", "K7M4PXA") as the stored code, or ''."""
    code = _NOT_CODE.sub("", typed or "").upper()
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        return ""
    return code


def display_room_code(code):
    return f"{code[:3]}-{code[3:]}"


def is_room_code(code):
    """True when `code` has the stored form of a room code (checked before any
    query, so a hostile URL never reaches the database)."""
    return isinstance(code, str) and len(code) == LENGTH and all(char in ALPHABET for char in code)

"""Safe spreadsheet cells."""

# A spreadsheet runs a cell that starts with one of these as a formula (the
# full-width forms too, which some spreadsheet programs read as the ASCII ones).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value):
    """A cell's text that no spreadsheet will take for a formula: a leading
    apostrophe makes it text, and it is not shown."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text

"""Normalizing what people type into spreadsheets and forms."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean(value: object) -> str:
    """A cell as text: full-width forms folded (NFKC), spaces collapsed, ends trimmed.

    Excel stores long numbers as floats, so `20200101.0` becomes `20200101`.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("\u3000", " ").replace("\ufeff", "").replace("\u200b", "")
    return _SPACES.sub(" ", text).strip()


def compact(value: object) -> str:
    """Like `clean`, with every space removed (numbers, phones, ID cards)."""
    text = clean(value).replace(" ", "").replace("-", "")
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text

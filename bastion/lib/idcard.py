"""Resident identity card numbers (GB 11643-1999): checksum and masking."""

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize(value: str) -> str:
    return value.strip().upper().replace("x", "X")


def problem(value: str) -> str | None:
    """Why `value` is not a valid ID card number, or None if it is."""
    number = normalize(value)
    if len(number) != 18:
        return "length"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "characters"
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "birthdate"
    if check_digit(number[:17]) != number[17]:
        return "checksum"
    return None


def is_valid(value: str) -> bool:
    return problem(value) is None


def mask(value: str) -> str:
    """Shown to people who need to recognize the number, not to know it: 4201**********123X."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]

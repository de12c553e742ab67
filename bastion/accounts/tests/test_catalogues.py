"""Every app's Chinese catalogue is complete, and its compiled .mo matches its .po.

Users' machines have no gettext, so the compiled catalogues are committed; a .po edited
without `make messages` would otherwise ship English to Chinese readers unnoticed.
"""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUES = sorted(Path(settings.BASE_DIR).glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def po_entries(path: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file (plural forms keyed by their singular, a message with a
    context by "context\x04msgid" as gettext compiles it), fuzzy ones left out."""
    entries: dict[str, str] = {}
    msgid = msgstr = context = None
    field = None
    fuzzy = False

    def flush() -> None:
        if msgid and not fuzzy:
            entries[f"{context}\x04{msgid}" if context else msgid] = msgstr or ""

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#~"):
            continue
        if not line.strip():
            flush()
            msgid = msgstr = context = field = None
            fuzzy = False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgctxt "):
            context = ast.literal_eval(line[8:])
        elif line.startswith("msgid "):
            msgid, field = ast.literal_eval(line[6:]), "id"
        elif line.startswith("msgid_plural "):
            field = "plural"
        elif line.startswith(("msgstr ", "msgstr[0] ")):
            msgstr, field = ast.literal_eval(line.split(" ", 1)[1]), "str"
        elif line.startswith("msgstr["):
            field = "other"
        elif line.startswith('"'):
            if field == "id":
                msgid += ast.literal_eval(line)
            elif field == "str":
                msgstr += ast.literal_eval(line)
    return entries


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_message_is_translated(po):
    untranslated = [m for m, s in po_entries(po).items() if not s]
    assert untranslated == [], f"untranslated in {po}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_the_compiled_catalogue_matches_its_source(po):
    with po.with_suffix(".mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog
    for msgid, msgstr in po_entries(po).items():
        got = compiled.get(msgid, compiled.get((msgid, 0)))
        assert got == msgstr, f"{po.with_suffix('.mo')} is stale for {msgid!r}: run make messages"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_no_message_is_left_fuzzy(po):
    """makemessages marks a changed message fuzzy; Django then shows it in English."""
    blocks = po.read_text(encoding="utf-8").split("\n\n")[1:]  # the header may stay fuzzy
    fuzzy = [b.split("msgid ", 1)[-1].split("\n")[0] for b in blocks if "#, fuzzy" in b]
    assert fuzzy == [], f"fuzzy in {po}: {fuzzy}"


def test_a_message_shared_by_apps_reads_the_same_in_all():
    """Django merges every app's catalogue into one and keeps one translation of each
    message, so an app whose wording differs silently shows another app's."""
    wordings: dict[str, dict[str, str]] = {}
    for po in CATALOGUES:
        for msgid, msgstr in po_entries(po).items():
            wordings.setdefault(msgid, {})[po.parts[-5]] = msgstr
    conflicts = {m: apps for m, apps in wordings.items() if len(set(apps.values())) > 1}
    report = "\n".join(
        f"  {m.replace(chr(4), ' | ')!r}: "
        + "; ".join(f"{app} {msgstr!r}" for app, msgstr in apps.items())
        for m, apps in sorted(conflicts.items())
    )
    assert not conflicts, (
        "apps translate the same message differently; only one wording can show:\n"
        f"{report}\n"
        "Use one wording in every catalogue, or, where the meanings differ, give the message "
        'a context (pgettext / {% translate "…" context "…" %}).'
    )

"""Renders the role table into docs/roles.md, so the docs cannot drift from the code."""

from django.utils import translation

from bastion.accounts.roles import HELD_ON_LABELS, PERM_LABELS, REACH_LABELS, ROLES, Perm

HEADER = """# Roles 角色与权限

Generated from `bastion/accounts/roles.py` by `bastion roles_doc`; a test fails when this page
and the table differ. A role is held as a `Position` over a unit, a Party organization or a
grid, between two dates; it reaches that node's subtree. Everyone also sees their own record.
Anything outside a user's reach answers 404, as if it did not exist.

"""


def render() -> str:
    lines = [HEADER]
    for language, title in (("zh-hans", "## 中文"), ("en", "## English")):
        with translation.override(language):
            lines.append(title + "\n\n")
            held = "担任于" if language == "zh-hans" else "held over"
            sees = "可见范围" if language == "zh-hans" else "sees"
            may = "可以" if language == "zh-hans" else "may"
            role = "角色" if language == "zh-hans" else "role"
            lines.append(f"| {role} | {held} | {sees} | {may} |\n|---|---|---|---|\n")
            for r, spec in ROLES.items():
                perms = "; ".join(str(PERM_LABELS[p]) for p in Perm if p in spec.perms)
                over = ", ".join(str(HELD_ON_LABELS[h]) for h in spec.held_on)
                lines.append(
                    f"| {r.label} (`{r.value}`) | {over} | {REACH_LABELS[spec.reach]} | {perms} |\n"
                )
            lines.append("\n")
    return "".join(lines).rstrip("\n") + "\n"

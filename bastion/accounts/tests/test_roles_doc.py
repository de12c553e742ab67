from pathlib import Path

from django.conf import settings

from bastion.accounts.roles import ROLES, Role
from bastion.accounts.roles_doc import render


def test_docs_roles_md_is_the_rendered_role_table():
    path = Path(settings.PROJECT_DIR) / "docs" / "roles.md"
    assert path.read_text(encoding="utf-8") == render(), "run: .venv/bin/bastion roles_doc"


def test_every_role_is_in_the_table():
    assert set(ROLES) == set(Role)

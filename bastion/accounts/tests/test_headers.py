"""Security headers on every page, and templates that a strict Content-Security-Policy allows."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from bastion.accounts.middleware import security_headers
from bastion.accounts.roles import Role
from bastion.conftest import SINCE
from bastion.org.services import position_assign


def headers_of(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


@pytest.mark.parametrize(
    "who, url",
    [
        (None, "/login/"),
        ("student", "/"),
        ("student", "/checkin/"),
        ("college_leader", "/dashboard/"),
        ("student", "/account/tokens/"),
        ("student", "/api/v1/me"),
        (None, "/admin/login/"),
        ("gate_keeper", "/campus/gate/"),
    ],
)
def test_every_page_carries_the_security_headers(world, campaign, client_as, who, url):
    if who == "gate_keeper":  # the page with the camera
        position_assign(
            person=world.staff, role=Role.GATE_KEEPER, over=world.university, starts_on=SINCE
        )
        who = "staff"
    client = client_as(getattr(world, who)) if who else Client()
    response = client.get(url)
    assert response.status_code == 200, url
    headers = headers_of(response)
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert "img-src 'self' data:" in csp and "object-src 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "camera=(self)" in headers["permissions-policy"]
    assert "geolocation=()" in headers["permissions-policy"]


def test_over_https_in_production_the_browser_is_told_to_keep_to_https(world, settings):
    """HSTS: Django's SecurityMiddleware, with the production settings of settings.py."""
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = Client().get("/login/", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_with_single_sign_on_a_logout_may_go_on_to_the_cas(settings):
    settings.CAS_SERVER_URL = "https://cas.example.edu.cn/cas/"
    csp = security_headers()["Content-Security-Policy"]
    assert "form-action 'self' https://cas.example.edu.cn;" in csp


# What a strict policy refuses in a page: found in the templates, not in a browser, so that a
# new page is caught by the suite even before it has a browser test.
REFUSED = {
    "a style attribute": re.compile(r"""<[a-zA-Z][^>]*\sstyle\s*=""", re.S),
    "a <style> element": re.compile(r"<style[\s>]", re.I),
    "an inline <script>": re.compile(
        r"<script(?![^>]*\ssrc=)(?![^>]*application/json)[^>]*>", re.I
    ),
    "an on… handler attribute": re.compile(r"""<[a-zA-Z][^>]*\son[a-z]+\s*=\s*["']""", re.S),
    "a javascript: URL": re.compile(r"""=\s*["']javascript:""", re.I),
}


def templates() -> list[Path]:
    return sorted(Path(settings.BASE_DIR).glob("*/templates/**/*.html"))


def test_no_template_has_inline_script_or_style_that_the_policy_refuses():
    found = []
    for path in templates():
        text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
        found += [
            f"{path.relative_to(settings.BASE_DIR)}: {what}"
            for what, pattern in REFUSED.items()
            if pattern.search(text)
        ]
    assert len(templates()) > 50
    assert found == [], "move it to a static file or a class (docs/security.md)"

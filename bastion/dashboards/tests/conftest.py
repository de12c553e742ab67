"""Fixtures of the dashboards tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The trend's closed days are cached; each test starts without them."""
    cache.clear()
    yield
    cache.clear()

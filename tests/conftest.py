"""Shared fixtures: demo workbooks built once per test session."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from kam_xl.plan.workbook import init_workbook

pytest_plugins = ["tests.support.postgres"]  # postgres_server, db_url: the history tests' databases

# Property tests judge what a function returns, not how fast one example runs: a busy CI machine must not
# turn a slow example into a failure (tests that set their own settings keep them).
settings.register_profile("kam", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kam")


@pytest.fixture(scope="session")
def demo_book_factory(tmp_path_factory):
    """demo_book_factory(lang, stores) -> path of a fresh demo HQ workbook (built once per arguments)."""
    made = {}

    def make(lang: str = "en", stores: int = 120):
        key = (lang, stores)
        if key not in made:
            folder = tmp_path_factory.mktemp(f"demo-{lang}-{stores}")
            path = folder / f"demo-{lang}-{stores}.xlsx"
            init_workbook(path, lang=lang, demo=True, stores=stores)
            made[key] = path
        return made[key]

    return make

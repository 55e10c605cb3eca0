"""The committed empty templates in workbooks/ are what `kam init` makes today (`make templates`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kam_xl.plan.workbook import init_workbook
from tests.support.content import workbook_content

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_committed_template_is_current(tmp_path, lang):
    committed = WORKBOOKS / f"kam-template-{lang}.xlsx"
    assert committed.exists(), "run `make templates`"
    fresh = tmp_path / f"kam-template-{lang}.xlsx"
    init_workbook(fresh, lang=lang)
    assert workbook_content(fresh) == workbook_content(committed), "out of date: run `make templates` and commit"

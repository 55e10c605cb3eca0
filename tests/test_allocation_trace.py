"""The allocation trace recomputes on a calculator: for every store of the 1,000-store demo and every sum KPI,
total × the printed share, rounded, is the printed amount, and the printed adjustment terms bring it to the target
(or the target is the printed growth cap)."""

from __future__ import annotations

import re

import pytest

from kam_xl.metrics.allocation import allocate_plan, explain
from kam_xl.plan.load import load_plan

TRACE = re.compile(r"^([\d,]+)(?: = |: )([\d,.]+) × ([\d,.]+)%(?: = ([\d,]+))?")
TERM = re.compile(r"; ([+−][\d,]+)")


def number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_trace_of_the_1000_store_demo_recomputes(demo_book_factory, lang):
    plan = load_plan(demo_book_factory("en", 1000))
    checked = 0
    for frame in allocate_plan(plan).kpis.values():
        for row in frame.to_dict("records"):
            trace = explain(row, lang)
            if lang == "zh":  # same numbers; the Chinese separators mapped back to compare
                trace = trace.replace("：", ": ").replace("；", "; ").replace("（", " (")
                trace = re.sub(r"; 各店取整时调整 ", "; ", trace)
                trace = re.sub(r"; 另加 ", "; ", trace)
                trace = re.sub(r"; 减少 ([\d,]+)", r"; −\1", trace)
            match = TRACE.match(trace)
            assert match, trace
            target, total, share = number(match[1]), number(match[2]), number(match[3])
            assert target == row["target"]
            whole = round(total * share / 100)
            if match[4] is None:
                assert whole == target, trace  # "target = total × share"
                continue
            assert whole == number(match[4]), trace
            terms = [number(t) for t in TERM.findall(trace)]
            if row["bound"] in ("max", "min"):
                assert "growth" in trace or "增长" in trace
            else:
                assert terms and whole + sum(terms) == target, trace
            checked += 1
    assert checked  # the demo has adjusted stores too

"""The plan version (Plan.fingerprint): a hash of everything store tabs are built from. It is stored in every
workbook's _meta, so its payload may not change: `plain` must give what dataclasses.asdict gives."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import namedtuple
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kam_xl.model.plan import plain
from kam_xl.plan.demo import demo_plan


@dataclasses.dataclass(frozen=True)
class Inner:
    when: date
    amount: float | None


@dataclasses.dataclass(frozen=True)
class Outer:
    name: str
    items: tuple
    table: dict
    rows: list
    pair: object


Pair = namedtuple("Pair", "left right")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5), st.dates()
)
inner = st.builds(Inner, st.dates(), st.one_of(st.none(), st.floats(allow_nan=False)))


@given(
    st.text(max_size=8),
    st.lists(st.one_of(scalars, inner), max_size=4).map(tuple),
    st.dictionaries(st.text(max_size=3), st.one_of(scalars, inner), max_size=3),
    st.lists(st.one_of(scalars, inner, st.tuples(scalars, inner)), max_size=4),
    st.builds(Pair, scalars, inner),
)
def test_plain_is_asdict(name, items, table, rows, pair):
    value = Outer(name, items, table, rows, pair)
    assert plain(value) == dataclasses.asdict(value)


def test_plan_version_is_the_hash_of_the_plan_as_asdict_gives_it():
    for plan in (demo_plan(12, "en", 1), demo_plan(30, "zh", 5)):
        payload = {
            "account": dataclasses.asdict(plan.account),
            "kpis": [dataclasses.asdict(k) for k in plan.kpis],
            "programs": [dataclasses.asdict(p) for p in plan.programs],
            "stores": [dataclasses.asdict(s) for s in plan.stores],
            "weeks": [dataclasses.asdict(w) for w in plan.weeks],
            "language": plan.language,
        }
        text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
        assert plan.fingerprint() == hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

"""Random but realistic store-tab entries for review tests and benchmarks, and writing them into tabs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from kam_xl.lang.words import enum_label
from kam_xl.model.entries import StoreEntries, enum_kind
from kam_xl.model.plan import Plan, Store, Week
from kam_xl.plan.meta import read_meta
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.xlsx.package import Package

ACTION_TEXTS = (
    "Move the phones to the entrance table",
    "Train the new floor staff",
    "Fix the price tags",
    "Agree a weekend demo day",
    "Clear old stock from the back room",
)
STATUSES = ("planned", "agreed", "done", "done", "done", "dropped")


def random_entries(
    plan: Plan, seed: int = 7, weeks: int | None = None, silent: float = 0.03
) -> dict[str, StoreEntries]:
    """Typed entries (field key -> value) of every active store for the first `weeks` weeks (default all).

    Some weeks are blank, a share `silent` of the stores never report, some stop early; programs get
    every status (dropped with and without a reason); actions are due before and after the last week.
    """
    rng = np.random.default_rng(seed)
    shown = plan.weeks[: weeks or len(plan.weeks)]
    return {s.store_id: _store_entries(plan, s, shown, rng, silent) for s in plan.active_stores}


def _store_entries(
    plan: Plan, store: Store, weeks: tuple[Week, ...], rng: np.random.Generator, silent: float
) -> StoreEntries:
    values: StoreEntries = {}
    if rng.random() < silent:
        return values  # a store that never reported
    stop = len(weeks) if rng.random() > 0.08 else int(rng.integers(1, len(weeks) + 1))
    form = rng.normal(1.02, 0.18)
    pushing = rng.random() < 0.15  # ships far more into the store in a month's last week than it sells
    month_end = set(month_end_ids(plan))
    visits = plan.account.visits_per_week(store.store_tier)
    for week in weeks[:stop]:
        if rng.random() < 0.06:
            continue
        values.update(_week(store, week, form, rng))
        units = values[("week", week.id, "units")]
        push = 3.0 if pushing and week.id in month_end else 1.0
        if rng.random() < 0.8:
            values[("week", week.id, "sell_in")] = float(round(units * push * rng.uniform(0.6, 1.4)))
        if rng.random() < 0.9:
            values[("week", week.id, "visits")] = float(rng.poisson(visits))
    for program in plan.programs_for(store):
        values.update(_program(program.id, program.cost_per_store, rng))
    for row in range(1, int(rng.integers(0, 4)) + 1):
        values.update(_action(row, weeks, rng))
    if rng.random() < 0.7:
        values[("agreed",)] = weeks[0].start + timedelta(days=int(rng.integers(0, 6)))
    if rng.random() < 0.3:
        values[("comment", "sr")] = "Store manager keen on the launch; needs more demo units."
    return values


def month_end_ids(plan: Plan) -> list[str]:
    """The weeks that end a month in the calendar."""
    weeks = plan.weeks
    return [w.id for i, w in enumerate(weeks) if i == len(weeks) - 1 or weeks[i + 1].month != w.month]


def _week(store: Store, week: Week, form: float, rng: np.random.Generator) -> dict:
    season = week.season_weight
    units = max(0, round(store.base_units * season * form * rng.lognormal(0.0, 0.2))) if rng.random() > 0.01 else 0
    category = max(units, round(store.category_units * season * rng.lognormal(0.0, 0.12)))
    price = store.base_value / store.base_units if store.base_units else 2500.0
    out = {
        "units": float(units),
        "value": round(units * price * rng.normal(1.0, 0.03), 2),
        "category": float(category),
        "competitor": float(round(category * rng.uniform(0.12, 0.35))),
    }
    for name in ("value", "category", "competitor"):
        if rng.random() < 0.04:
            del out[name]
    if rng.random() < 0.9:
        out["display"] = bool(rng.random() < 0.85)
    if store.store_tier != "C":
        planned = float(rng.choice((0, 2, 4, 4)))
        out["promoter_planned"] = planned
        if rng.random() < 0.95:
            out["promoter_present"] = float(planned - rng.binomial(int(planned), 0.1))
    if rng.random() < 0.6:
        out["stock"] = float(round(units * rng.choice((0.5, 2.0, 3.0, 5.0, 12.0))))
    if rng.random() < 0.1:
        out["competitor_activity"] = "Rival bundle with free earbuds"
    return {("week", week.id, name): value for name, value in out.items()}


def _program(program_id: str, plan_cost: float, rng: np.random.Generator) -> dict:
    status = STATUSES[int(rng.integers(len(STATUSES)))] if rng.random() < 0.9 else None
    out: dict = {}
    if status:
        out["status"] = status
    if status == "done" and rng.random() < 0.6:
        out["cost"] = float(round(plan_cost * rng.uniform(0.7, 1.3)))
    if status == "dropped" and rng.random() < 0.5:
        out["note"] = "Store had no space"
    return {("program", program_id, name): value for name, value in out.items()}


def _action(row: int, weeks: tuple[Week, ...], rng: np.random.Generator) -> dict:
    due = weeks[0].start + timedelta(days=int(rng.integers(0, 7 * len(weeks) + 21)))
    out = {
        "text": ACTION_TEXTS[int(rng.integers(len(ACTION_TEXTS)))],
        "owner": "sr",
        "due": due,
        "status": ("open", "done", "done", "dropped")[int(rng.integers(4))],
    }
    return {("action", row, name): value for name, value in out.items()}


def cell_value(key: tuple, value: object, lang: str) -> object:
    """What a person would type into the cell for a typed value (list values as their label)."""
    kind = enum_kind(key)
    if kind == "yes_no":
        return enum_label("yes_no", "yes" if value else "no", lang)
    if kind is not None:
        return enum_label(kind, value, lang)
    return value


def write_entries(path: str | Path, entries: dict[str, StoreEntries], lang: str = "en") -> None:
    """Type the entries into the store tabs of the workbook at `path` (through their cell maps)."""
    from kam_xl.xlsx.filebook import FileBook

    meta = read_meta(FileBook(path))
    package = Package.open(path)
    for record in meta.tabs:
        cells = field_cells(record.cells)
        typed = entries.get(record.store_id, {})
        values = {cells[key]: cell_value(key, value, lang) for key, value in typed.items() if key in cells}
        if values:
            package.set_cells(record.tab, values)
    package.save(path, backup=False)

"""The demo's sales reps filling their workbooks: realistic weekly entries and a few typical mistakes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from kam_xl.execution.sources import collect_sources
from kam_xl.model.entries import StoreEntries, tab_value
from kam_xl.model.plan import Plan, Program, Store, Week
from kam_xl.plan.demo import DEFAULT_SEED
from kam_xl.plan.meta import TabRecord, read_meta
from kam_xl.storetabs.cellmap import field_cells
from kam_xl.storetabs.layout import ACTION_ROWS
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from kam_xl.xlsx.recalc import refresh_values

_WORDS = {
    "actions": (
        ("Move our phones to the entrance table", "把我方手机移到入口展台"),
        ("Train the new floor staff on the trade-in offer", "培训新店员以旧换新政策"),
        ("Fix the missing price tags", "补齐缺失的价签"),
        ("Agree a weekend demo day with the store", "与门店确定周末体验日"),
        ("Clear the old stock from the back room", "清理仓库旧库存"),
    ),
    "results": (
        ("Done, traffic at the table up", "已完成，展台客流增加"),
        ("Done as agreed", "已按约定完成"),
    ),
    "activity": (
        ("Rival bundle with free earbuds", "竞品买手机送耳机"),
        ("Rival cut prices by 10%", "竞品降价10%"),
        ("Rival promoters on weekends", "竞品周末派驻促销员"),
    ),
    "week_comment": (
        ("Short of the new model", "新品缺货"),
        ("Mall traffic low this week", "本周商场客流偏少"),
    ),
    "sr_comment": (
        (
            "Store manager keen on the launch; needs more demo units.",
            "店长重视新品上市，需要更多样机。",
        ),
        ("Good execution; watch the competitor's subsidies.", "执行良好，需关注竞品补贴。"),
    ),
    "feedback": (
        ("Happy with the promoters; wants earlier stock.", "对促销员满意，希望提前到货。"),
        ("Asks for more display material.", "希望增加陈列物料。"),
    ),
    "dropped": (
        ("No space in the store", "门店没有空间"),
        ("Store manager declined", "店长不同意"),
    ),
}


@dataclass(frozen=True)
class Mistake:
    """A mistake the simulation typed on purpose, and what collect should make of it."""

    file: str
    sheet: str
    cell: str
    typed: object
    expect: str  # "rejected", "accepted" (read correctly) or "blank" (nothing to merge; HQ keeps its value)


@dataclass
class FillResult:
    files: list[Path] = field(default_factory=list)
    values: int = 0
    mistakes: list[Mistake] = field(default_factory=list)


def fill_sr_files(
    folder: str | Path, plan: Plan, *, weeks: int = 9, seed: int = DEFAULT_SEED, actions_used: dict | None = None
) -> FillResult:
    """Type `weeks` weeks of entries into every SR workbook in `folder` (deterministic for a seed); new store
    actions go below the `actions_used[store id]` rows already filled (the actions carried from the last period)."""
    rng = np.random.default_rng(seed)
    stores = {s.store_id: s for s in plan.stores}
    shown = plan.weeks[: max(1, min(weeks, len(plan.weeks)))]
    result = FillResult()
    workbooks = [source.path for source in collect_sources([Path(folder)]) if not (source.refused or source.skipped)]
    for number, path in enumerate(workbooks):
        records = read_meta(FileBook(path)).tabs
        package = Package.open(path)
        typed_cells: set[tuple[str, str]] = set()
        for record in records:
            used = (actions_used or {}).get(record.store_id, 0)
            entries = store_entries(plan, stores[record.store_id], shown, rng, first_action=used + 1)
            typed = _typed(record, entries, plan.language)
            package.set_cells(record.tab, typed)
            typed_cells |= {(record.tab, cell) for cell in typed}
        maker = _MISTAKES[number % len(_MISTAKES)]
        record = records[int(rng.integers(len(records)))]
        made = maker(package, record, shown, plan.language, path.name)
        result.mistakes += made
        # what the file holds as typed: a week blanked again is not typed, a mistake typed over a blank cell is
        for mistake in made:
            place = (record.tab, mistake.cell)
            if mistake.expect == "blank":
                typed_cells.discard(place)
            elif mistake.expect in ("accepted", "rejected") and mistake.cell != "C3":
                typed_cells.add(place)
        result.values += len(typed_cells)
        package.save(path, backup=False)
        recalculated = FileBook(path)  # as the SR's spreadsheet does on save: formulas show the new numbers
        refresh_values(recalculated, recalculated.sheet_names())
        recalculated.package.save(path, backup=False)
        result.files.append(path)
    return result


def _typed(record: TabRecord, values: StoreEntries, lang: str) -> dict[str, object]:
    cells = field_cells(record.cells)
    return {cells[key]: tab_value(key, value, lang) for key, value in values.items() if key in cells}


def _say(rng: np.random.Generator, kind: str, lang: str) -> str:
    pair = _WORDS[kind][int(rng.integers(len(_WORDS[kind])))]
    return pair[0] if lang == "en" else pair[1]


def store_entries(
    plan: Plan, store: Store, weeks: tuple[Week, ...], rng: np.random.Generator, first_action: int = 1
) -> StoreEntries:
    """One store's entries: baseline × local momentum × season × program uplift × execution quality × noise."""
    quality = float(rng.beta(5, 2))
    momentum = float(rng.lognormal(-0.17, 0.15))  # the store's market this quarter: some grow, some shrink
    statuses = {p.id: _status(p, weeks[-1].end, quality, rng) for p in plan.programs_for(store)}
    promoter_days = plan.promoter_days(store)
    values: StoreEntries = {}
    for program in plan.programs_for(store):
        values.update(_program_entries(program, statuses[program.id], weeks[-1].end, rng, plan.language))
    share = plan.main_competitor.share if plan.main_competitor and plan.main_competitor.share else 0.25
    for week in weeks:
        if rng.random() > 0.03:
            running = [
                p
                for p in plan.programs_for(store)
                if p.start <= week.end and p.end >= week.start and statuses[p.id] in ("done", "agreed")
            ]
            values.update(
                _week_entries(store, week, running, quality, share, rng, plan.language, momentum, promoter_days)
            )
    for key, value in _channel_entries(plan, store, weeks, values, quality).items():
        if value is None:
            values.pop(key, None)  # not counted this week
        else:
            values[key] = value
    values.update(_actions(weeks, quality, rng, plan.language, first_action))
    values.update(_header(weeks, rng, plan.language))
    return values


def pushing_sr(plan: Plan) -> str:
    """The SR of the demo who ships stock into stores at month end (the second SR, by id)."""
    ids = sorted({s.sr_id for s in plan.active_stores if s.sr_id})
    return ids[1] if len(ids) > 1 else (ids[0] if ids else "")


def _channel_entries(plan: Plan, store: Store, weeks: tuple[Week, ...], values: StoreEntries, quality: float) -> dict:
    """Sell-in, the stock that follows from it, visits and the plan's promoter days of one store's weeks.

    Drawn from the store's own random stream (the rest of the simulation stays as it was): deliveries follow
    sell-out with a week's noise; the pushing SR ships 3-4 weeks of stock in a month's last week; stock is
    the previous stock + sell-in − sell-out, counted on most visits (with a little shrinkage); visits follow
    the tier's frequency and the SR's diligence, and a few stores go unvisited for weeks."""
    rng = np.random.default_rng([int(hashlib.sha256(store.store_id.encode()).hexdigest()[:8], 16), 14])
    pushes = store.sr_id == pushing_sr(plan)
    month_end = {
        w.id for i, w in enumerate(plan.weeks) if i == len(plan.weeks) - 1 or plan.weeks[i + 1].month != w.month
    }
    frequency = plan.account.visits_per_week(store.store_tier)
    neglected = rng.random() < 0.06  # the SR stops visiting this store after the first weeks
    stock = round(store.base_units * rng.uniform(2.0, 4.0))
    out: dict = {}
    for number, week in enumerate(weeks):
        units = values.get(("week", week.id, "units"))
        if units is None:
            continue
        sell_in = units * rng.lognormal(0.0, 0.25)
        if pushes and week.id in month_end:
            sell_in = store.base_units * week.season_weight * rng.uniform(3.0, 4.0)
        elif pushes:
            sell_in *= 0.7
        sell_in = round(sell_in) if rng.random() > 0.1 else 0  # now and then no delivery
        stock = max(0, stock + sell_in - units)
        visits = int(rng.poisson(frequency * (0.55 + 0.5 * quality)))
        if neglected and number >= 3:
            visits = 0
        if sell_in:
            out[("week", week.id, "sell_in")] = sell_in
        out[("week", week.id, "visits")] = visits
        counted = visits > 0 or rng.random() < 0.3
        out[("week", week.id, "stock")] = round(stock * rng.uniform(0.97, 1.0)) if counted else None
    return out


def _status(program: Program, last_day: date, quality: float, rng: np.random.Generator) -> str:
    if program.start > last_day:
        return ("planned", "agreed")[int(rng.random() < quality)]
    draw = rng.random()
    if draw < 0.06:
        return "dropped"
    return "done" if draw < 0.35 + 0.6 * quality else ("agreed", "planned")[int(rng.random() < 0.3)]


def _program_entries(program: Program, status: str, last_day: date, rng: np.random.Generator, lang: str) -> dict:
    out: dict = {"status": status}
    if status == "done":
        out["cost"] = float(round(program.cost_per_store * rng.uniform(0.8, 1.2), -1))
        out["done_on"] = min(program.start + timedelta(days=int(rng.integers(0, 10))), last_day)
    if status == "dropped":
        out["note"] = _say(rng, "dropped", lang)
    return {("program", program.id, name): value for name, value in out.items()}


def _week_entries(
    store: Store,
    week: Week,
    running: list[Program],
    quality: float,
    share: float,
    rng: np.random.Generator,
    lang: str,
    momentum: float = 1.0,
    promoter_days: dict | None = None,
) -> dict:
    uplift = sum(p.uplift for p in running) * (0.5 + 0.5 * quality)
    units = round(
        store.base_units
        * momentum
        * week.season_weight
        * (1 + uplift)
        * (0.9 + 0.2 * quality)
        * rng.lognormal(0.0, 0.12)
    )
    competitor = round(
        store.category_units * week.season_weight * share * (1 - 0.3 * uplift) * rng.lognormal(0.0, 0.15)
    )
    category = max(
        round(store.category_units * week.season_weight * rng.lognormal(0.0, 0.08)),
        units + competitor,
    )
    price = store.base_value / store.base_units if store.base_units else 2500.0
    out: dict = {
        "units": units,
        "value": round(units * price * rng.normal(1.0, 0.03)),
        "category": category,
        "competitor": competitor,
        "display": bool(rng.random() < 0.55 + 0.43 * quality),
        "stock": round(units * (rng.uniform(1.2, 4.5) if rng.random() > 0.1 else rng.choice((0.3, 12.0)))),
    }
    if any(p.type == "promoter" for p in running):
        prefilled = int((promoter_days or {}).get(week.id, 0))
        planned = prefilled or (4 if store.store_tier == "A" else 2)
        if not prefilled:  # the days the plan prefilled stand: an SR types them only where the tab has none
            out["promoter_planned"] = planned
        out["promoter_present"] = planned - int(rng.binomial(planned, 0.3 * (1 - quality)))
    if rng.random() < 0.12:
        out["competitor_activity"] = _say(rng, "activity", lang)
    if rng.random() < 0.08:
        out["comment"] = _say(rng, "week_comment", lang)
    return {("week", week.id, name): value for name, value in out.items()}


def _actions(weeks: tuple[Week, ...], quality: float, rng: np.random.Generator, lang: str, first: int = 1) -> dict:
    out = {}
    for row in range(first, first + int(rng.integers(1, 4))):
        due = weeks[0].start + timedelta(days=int(rng.integers(7, 7 * len(weeks) + 14)))
        done = due <= weeks[-1].end and rng.random() < 0.4 + 0.5 * quality
        out.update(
            {
                ("action", row, "text"): _say(rng, "actions", lang),
                ("action", row, "owner"): ("sr", "store", "hq")[int(rng.integers(3))],
                ("action", row, "due"): due,
                ("action", row, "status"): "done" if done else "open",
            }
        )
        if done:
            out[("action", row, "result")] = _say(rng, "results", lang)
    return {key: value for key, value in out.items() if key[1] <= ACTION_ROWS}


def _header(weeks: tuple[Week, ...], rng: np.random.Generator, lang: str) -> dict:
    out = {}
    if rng.random() < 0.9:
        out[("agreed",)] = weeks[0].start + timedelta(days=int(rng.integers(0, 6)))
    if rng.random() < 0.7:
        out[("comment", "sr")] = _say(rng, "sr_comment", lang)
    if rng.random() < 0.5:
        out[("comment", "manager")] = _say(rng, "feedback", lang)
    return out


# ----- the mistakes people make (one kind per file, in turn) -------------------------------------


def _typed_into(
    package: Package, record: TabRecord, key: tuple, typed: object, expect: str, file: str
) -> list[Mistake]:
    cell = field_cells(record.cells)[key]
    package.set_cells(record.tab, {cell: typed})
    return [Mistake(file, record.tab, cell, typed, expect)]


def _text_in_number(package, record, weeks, lang, file) -> list[Mistake]:
    typed = "about 12" if lang == "en" else "大约12"
    return _typed_into(
        package,
        record,
        ("week", weeks[max(0, len(weeks) - 2)].id, "units"),
        typed,
        "rejected",
        file,
    )


def _grouped_number(package, record, weeks, lang, file) -> list[Mistake]:
    return _typed_into(package, record, ("week", weeks[-1].id, "value"), "1,234", "accepted", file)


def _full_width(package, record, weeks, lang, file) -> list[Mistake]:
    return _typed_into(package, record, ("week", weeks[-1].id, "category"), "１２３", "accepted", file)


def _negative(package, record, weeks, lang, file) -> list[Mistake]:
    return _typed_into(package, record, ("week", weeks[-1].id, "stock"), -5, "rejected", file)


def _other_language_yes(package, record, weeks, lang, file) -> list[Mistake]:
    typed = "是" if lang == "en" else "Y"
    return _typed_into(package, record, ("week", weeks[-1].id, "display"), typed, "accepted", file)


def _blank_week(package, record, weeks, lang, file) -> list[Mistake]:
    cells = field_cells(record.cells)
    week = weeks[len(weeks) // 2].id
    blanks = {cell: None for key, cell in cells.items() if key[:2] == ("week", week)}
    package.set_cells(record.tab, blanks)
    return [Mistake(file, record.tab, cell, None, "blank") for cell in blanks]


def _renamed_tab(package, record, weeks, lang, file) -> list[Mistake]:
    name = f"{record.store_id} {'my store' if lang == 'en' else '我的店'}"
    package.rename_sheet(record.tab, name)
    return [Mistake(file, name, "C3", record.store_id, "accepted")]


def _date_as_text(package, record, weeks, lang, file) -> list[Mistake]:
    typed = f"{weeks[1].start:%Y/%m/%d}"
    return _typed_into(package, record, ("action", 1, "due"), typed, "accepted", file)


_MISTAKES = (
    _text_in_number,
    _renamed_tab,
    _negative,
    _blank_week,
    _other_language_yes,
    _grouped_number,
    _full_width,
    _date_as_text,
)

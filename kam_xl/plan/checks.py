"""Checks across cells and sheets of a plan: duplicates, references, dates, weights, feasibility."""

from __future__ import annotations

from kam_xl.lang.checks import check_text
from kam_xl.lang.texts import text
from kam_xl.lang.words import enum_label, sheet_name
from kam_xl.model.plan import RATE_MEASURES, SUM_MEASURES, TIERS, Plan
from kam_xl.plan.reader import PlanReader
from kam_xl.xlsx.cellcodec import MAX_FORMULA_LITERAL, MAX_TEXT
from kam_xl.xlsx.sheetnames import MAX_LEN, utf16_len

_STORABLE_CONTROLS = "\t\n\r"  # the only control characters a cell keeps as they are


class _Where:
    """Cell addresses of plan records, for messages."""

    def __init__(self, reader: PlanReader):
        self.reader = reader

    def sheet(self, key: str) -> str:
        return self.reader.names.get(key) or sheet_name(key, self.reader.lang)

    def cell(self, key: str, index: int, field: str) -> str:
        table = self.reader.tables.get(key)
        return table.cell(index, field) if table else ""

    def range(self, key: str, field: str) -> str:
        table = self.reader.tables.get(key)
        return table.column_range(field) if table else ""

    def account(self, field: str) -> str:
        return self.reader.account_cells.get(field, "")


def _t(r: PlanReader, key: str, **values: object) -> str:
    """A validation message in the plan's language (kam_xl.lang.checks)."""
    return check_text(key, r.lang, **values)


def check_plan(plan: Plan, reader: PlanReader) -> None:
    """Add to reader.problems every cross-cell problem of the plan."""
    where = _Where(reader)
    for check in (
        _account,
        _duplicates,
        _stores,
        _names,
        _objectives,
        _feasibility,
        _programs,
        _needs,
        _competition,
        _calendar,
    ):
        check(plan, reader, where)


def _account(plan: Plan, r: PlanReader, w: _Where) -> None:
    acc, sheet = plan.account, w.sheet("account")
    if acc.period_start and acc.period_end and acc.period_start > acc.period_end:
        r.error(sheet, w.account("period_end"), _t(r, "period_reversed"), acc.period_end)
    if acc.score_amber > acc.score_green:
        r.error(
            sheet,
            w.account("score_amber"),
            _t(r, "score_thresholds"),
            f"{acc.score_amber:.0%}",
        )
    for tier, factor in acc.tier_factors:
        if factor is not None and factor <= 0 and w.account(f"tier_factor_{tier.lower()}"):
            r.error(
                sheet,
                w.account(f"tier_factor_{tier.lower()}"),
                _t(r, "tier_factor", tier=tier),
                factor,
            )
    ladder = ["supplier", "problem_solver", "resource", "partner"]
    if (
        acc.relationship_now in ladder
        and acc.relationship_target in ladder
        and ladder.index(acc.relationship_target) < ladder.index(acc.relationship_now)
    ):
        r.warn(
            sheet,
            w.account("relationship_target"),
            _t(r, "relationship_down"),
        )
    levels = {e.level for e in plan.evidence}
    for level in ladder:
        if plan.evidence and level not in levels:
            r.warn(
                sheet,
                "A1",
                _t(r, "no_evidence", level=enum_label("relationship", level, r.lang)),
            )


def _duplicates(plan: Plan, r: PlanReader, w: _Where) -> None:
    groups = {
        "stores": ("store_id", [s.store_id for s in plan.stores]),
        "objectives": ("id", [k.id for k in plan.kpis]),
        "programs": ("id", [p.id for p in plan.programs]),
        "needs": ("id", [n.id for n in plan.needs]),
        "calendar": ("id", [wk.id for wk in plan.weeks]),
        "competition": ("name", [c.name for c in plan.competitors]),
    }
    for key, (field, ids) in groups.items():
        first: dict[str, int] = {}
        for index, value in enumerate(ids):
            folded = value.casefold()
            if not value:
                continue
            if folded in first:
                r.error(
                    w.sheet(key),
                    w.cell(key, index, field),
                    _t(r, "duplicate", cell=w.cell(key, first[folded], field)),
                    value,
                )
            else:
                first[folded] = index


def _stores(plan: Plan, r: PlanReader, w: _Where) -> None:
    sheet = w.sheet("stores")
    if plan.stores and not plan.active_stores:
        r.error(sheet, w.range("stores", "active"), _t(r, "no_active_store"))
    if not plan.stores and "stores" in r.tables:
        r.error(sheet, "A2", _t(r, "no_stores"))
    emails: dict[str, tuple[str, int]] = {}
    names: dict[str, tuple[str, int]] = {}
    for index, s in enumerate(plan.stores):
        if s.sr_id:
            _same(r, sheet, w, emails, s.sr_id, s.sr_email.casefold(), index, "sr_email", "sr_other_email")
            _same(r, sheet, w, names, s.sr_id, s.sr_name, index, "sr_name", "sr_other_name")
        if s.category_units and s.base_units > s.category_units:
            r.error(
                sheet,
                w.cell("stores", index, "category_units"),
                _t(r, "category_below"),
                s.category_units,
            )
        elif s.category_units and s.base_units and not 0.02 <= s.base_units / s.category_units <= 0.9:
            r.warn(
                sheet,
                w.cell("stores", index, "category_units"),
                _t(r, "share_odd", share=f"{s.base_units / s.category_units:.0%}"),
                s.category_units,
            )
        if s.active and s.base_units == 0 and "base_units" in r.tables["stores"].columns:
            r.warn(
                sheet,
                w.cell("stores", index, "base_units"),
                _t(r, "base_zero"),
            )
    _capacity(plan, r, w)
    manual = [k for k in plan.kpis if k.is_sum and k.basis == "manual"]
    for index, s in enumerate(plan.stores):
        if manual and s.active and s.weight_override is None:
            r.error(
                sheet,
                w.cell("stores", index, "weight_override"),
                _t(r, "needs_weight", kpi=manual[0].id),
            )
    if not manual and any(s.weight_override is not None for s in plan.stores):
        r.warn(
            sheet,
            w.range("stores", "weight_override"),
            _t(r, "weight_unused"),
        )


def _names(plan: Plan, r: PlanReader, w: _Where) -> None:
    """Names Excel cannot store are refused; names kam must cut (tab names, link texts) are warned about."""
    for index, s in enumerate(plan.stores):
        cell = w.cell("stores", index, "name")
        if _storable(r, w.sheet("stores"), cell, s.name, "chk_store_name"):
            if utf16_len(f"{s.store_id} {s.name}") > MAX_LEN:
                tab = f"{s.store_id} {s.name}"[:MAX_LEN].rstrip()
                r.warn(w.sheet("stores"), cell, text("chk_tab_cut", r.lang).format(tab=tab))
            if utf16_len(s.name) > MAX_FORMULA_LITERAL:
                r.warn(w.sheet("stores"), cell, text("chk_link_cut", r.lang))
    for index, p in enumerate(plan.programs):
        _storable(r, w.sheet("programs"), w.cell("programs", index, "name"), p.name, "chk_program_name")


def _storable(r: PlanReader, sheet: str, cell: str, name: str, what: str) -> bool:
    """Whether a name can be written into cells as it is (an error names the first bad character)."""
    bad = next((ch for ch in name if ord(ch) < 32 and ch not in _STORABLE_CONTROLS), None)
    label = text(what, r.lang)
    if bad is not None:
        r.error(sheet, cell, text("chk_control", r.lang).format(what=label, code=ord(bad)), name)
        return False
    if len(name) > MAX_TEXT:
        r.warn(sheet, cell, text("chk_text_cut", r.lang).format(what=label))
    return True


def _capacity(plan: Plan, r: PlanReader, w: _Where) -> None:
    """A warning per SR whose stores' planned visits (visits a week by store tier) exceed what one SR can make."""
    acc, planned, first = plan.account, {}, {}
    for index, s in enumerate(plan.stores):
        if s.active and s.sr_id:
            planned[s.sr_id] = planned.get(s.sr_id, 0.0) + acc.visits_per_week(s.store_tier)
            first.setdefault(s.sr_id, index)
    for sr_id, visits in planned.items():
        if acc.sr_capacity and visits > acc.sr_capacity:
            r.warn(
                w.sheet("stores"),
                w.cell("stores", first[sr_id], "sr_id"),
                _t(r, "capacity", sr=sr_id, visits=f"{visits:g}", capacity=f"{acc.sr_capacity:g}"),
                sr_id,
            )


def _same(r, sheet, w, seen: dict, sr_id: str, value: str, index: int, field: str, what: str) -> None:
    if sr_id not in seen:
        seen[sr_id] = (value, index)
    elif seen[sr_id][0] != value:
        r.error(
            sheet,
            w.cell("stores", index, field),
            _t(r, what, sr=sr_id, cell=w.cell("stores", seen[sr_id][1], field)),
            value,
        )


def _objectives(plan: Plan, r: PlanReader, w: _Where) -> None:
    sheet = w.sheet("objectives")
    if not plan.kpis:
        if "objectives" in r.tables:
            r.error(sheet, "A2", _t(r, "no_kpis"))
        return
    total = sum(k.weight for k in plan.kpis)
    if abs(total - 1.0) > 0.0005:
        r.error(sheet, w.range("objectives", "weight"), _t(r, "weights_sum", total=f"{total:.1%}"))
    measures: dict[str, int] = {}
    for index, k in enumerate(plan.kpis):
        cell = lambda field, i=index: w.cell("objectives", i, field)  # noqa: E731
        if k.amber > k.green:
            r.error(
                sheet,
                cell("amber"),
                _t(r, "kpi_thresholds"),
                f"{k.amber:.0%}",
            )
        if k.measure in measures:
            r.error(
                sheet,
                cell("measure"),
                _t(r, "same_measure", cell=w.cell("objectives", measures[k.measure], "measure")),
                k.measure,
            )
        measures.setdefault(k.measure, index)
        if k.type == "sum":
            if k.measure and k.measure not in SUM_MEASURES:
                r.error(
                    sheet,
                    cell("measure"),
                    _t(r, "sum_measure"),
                    k.measure,
                )
            if k.hq_target is None:
                r.error(sheet, cell("hq_target"), _t(r, "sum_target"))
            if not k.basis:
                r.error(sheet, cell("basis"), _t(r, "sum_basis"))
            if k.min_growth is not None and k.max_growth is not None and k.min_growth > k.max_growth:
                r.error(
                    sheet,
                    cell("min_growth"),
                    _t(r, "growth_reversed"),
                    f"{k.min_growth:.0%}",
                )
        elif k.type == "rate":
            if k.measure and k.measure not in RATE_MEASURES:
                r.error(
                    sheet,
                    cell("measure"),
                    _t(r, "rate_measure"),
                    k.measure,
                )
            for tier in TIERS:
                if k.tier_target(tier) is None:
                    r.error(
                        sheet,
                        cell(f"target_{tier.lower()}"),
                        _t(r, "rate_target", tier=tier),
                    )
        if k.cap < 1:
            r.warn(
                sheet,
                cell("cap"),
                _t(r, "cap_low"),
                f"{k.cap:.0%}",
            )
        if k.group == "execution" and k.measure in SUM_MEASURES:
            r.error(sheet, cell("group"), _t(r, "not_execution"), k.group)


def _feasibility(plan: Plan, r: PlanReader, w: _Where) -> None:
    """The HQ target of each sum KPI must fit within the stores' growth caps."""
    stores = plan.active_stores
    weeks = len(plan.weeks)
    if not stores or not weeks:
        return
    for index, k in enumerate(plan.kpis):
        if k.type != "sum" or k.hq_target is None or k.measure not in SUM_MEASURES:
            continue
        base = sum((s.base_units if k.measure == "units" else s.base_value) for s in stores) * weeks
        cell = w.cell("objectives", index, "hq_target")
        if k.max_growth is not None and base * (1 + k.max_growth) < k.hq_target - 0.5:
            r.error(
                w.sheet("objectives"),
                cell,
                _t(
                    r,
                    "target_over_max",
                    growth=f"{k.hq_target / base - 1:+.0%}",
                    most=f"{base * (1 + k.max_growth):,.0f}",
                ),  # fmt: skip,
                k.hq_target,
            )
        if k.min_growth is not None and base * (1 + k.min_growth) > k.hq_target + 0.5:
            r.error(
                w.sheet("objectives"),
                cell,
                _t(r, "target_under_min", least=f"{base * (1 + k.min_growth):,.0f}"),
                k.hq_target,
            )
        if base and not -0.5 <= k.hq_target / base - 1 <= 1.0:
            r.warn(
                w.sheet("objectives"),
                cell,
                _t(r, "target_odd", growth=f"{k.hq_target / base - 1:+.0%}"),
                k.hq_target,
            )


def _programs(plan: Plan, r: PlanReader, w: _Where) -> None:
    sheet = w.sheet("programs")
    regions = {s.region.casefold() for s in plan.stores}
    kpis = {k.id for k in plan.kpis}
    needs = {n.id for n in plan.needs}
    acc = plan.account
    for index, p in enumerate(plan.programs):
        cell = lambda field, i=index: w.cell("programs", i, field)  # noqa: E731
        if p.start and p.end and p.start > p.end:
            r.error(sheet, cell("end"), _t(r, "program_reversed"), p.end)
        elif (
            p.start
            and p.end
            and acc.period_start
            and acc.period_end
            and (p.end < acc.period_start or p.start > acc.period_end)
        ):
            r.warn(
                sheet,
                cell("start"),
                _t(r, "program_outside"),
            )
        for tier in p.tiers:
            if tier not in TIERS:
                r.error(sheet, cell("tiers"), _t(r, "unknown_tier", tier=tier), tier)
        for region in p.regions:
            if regions and region.casefold() not in regions:
                r.error(sheet, cell("regions"), _t(r, "unknown_region", region=region), region)
        if p.kpi and p.kpi not in kpis:
            r.error(sheet, cell("kpi"), _t(r, "unknown_kpi"), p.kpi)
        if p.need and needs and p.need not in needs:
            r.error(sheet, cell("need"), _t(r, "unknown_need"), p.need)


def _needs(plan: Plan, r: PlanReader, w: _Where) -> None:
    programs = {p.id for p in plan.programs}
    for index, n in enumerate(plan.needs):
        for pid in n.answer:
            if pid not in programs:
                r.error(w.sheet("needs"), w.cell("needs", index, "answer"), _t(r, "unknown_program"), pid)


def _competition(plan: Plan, r: PlanReader, w: _Where) -> None:
    sheet = w.sheet("competition")
    mains = [i for i, c in enumerate(plan.competitors) if c.main]
    if len(mains) > 1:
        r.error(
            sheet,
            w.cell("competition", mains[1], "main"),
            _t(r, "two_mains"),
        )
    if plan.competitors and not mains:
        r.warn(sheet, w.range("competition", "main"), _t(r, "no_main"))
    total = sum(c.share or 0 for c in plan.competitors)
    if total > 1.0005:
        r.error(
            sheet,
            w.range("competition", "share"),
            _t(r, "shares_over", total=f"{total:.0%}"),
        )
    kpis = {k.id for k in plan.kpis}
    for index, c in enumerate(plan.competitors):
        if c.kpi and c.kpi not in kpis:
            r.error(sheet, w.cell("competition", index, "kpi"), _t(r, "unknown_kpi"), c.kpi)


def _calendar(plan: Plan, r: PlanReader, w: _Where) -> None:
    sheet = w.sheet("calendar")
    if not plan.weeks:
        if "calendar" in r.tables:
            r.error(sheet, "A2", _t(r, "no_weeks"))
        return
    dated = []
    for index, wk in enumerate(plan.weeks):
        if wk.season_weight is not None and wk.season_weight <= 0:
            r.error(
                sheet,
                w.cell("calendar", index, "season_weight"),
                _t(r, "season_weight"),
                wk.season_weight,
            )
        if wk.start and wk.end:
            if wk.start > wk.end:
                r.error(
                    sheet,
                    w.cell("calendar", index, "end"),
                    _t(r, "week_reversed"),
                    wk.end,
                )
                continue
            dated.append((wk.start, wk.end, index))
    dated.sort()
    for (_s1, e1, i1), (s2, _e2, i2) in zip(dated, dated[1:]):
        if s2 <= e1:
            r.error(
                sheet,
                w.cell("calendar", i2, "start"),
                _t(r, "week_overlap", cell=w.cell("calendar", i1, "start")),
                s2,
            )
        elif (s2 - e1).days > 1:
            r.error(
                sheet,
                w.cell("calendar", i2, "start"),
                _t(r, "week_gap", days=(s2 - e1).days - 1, cell=w.cell("calendar", i1, "end")),
                s2,
            )
    acc = plan.account
    if (
        dated
        and acc.period_start
        and acc.period_end
        and (dated[0][0] > acc.period_start or dated[-1][1] < acc.period_end)
    ):
        r.warn(sheet, w.range("calendar", "start"), _t(r, "weeks_short"))
    indexes = [i for *_, i in dated]
    if indexes != sorted(indexes):
        r.warn(sheet, w.range("calendar", "start"), _t(r, "weeks_order"))

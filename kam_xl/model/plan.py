"""The account plan as plain data: what the HQ workbook's plan sheets say, in typed form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

TIERS = ("A", "B", "C")
RELATIONSHIP_LADDER = ("supplier", "problem_solver", "resource", "partner")
SUM_MEASURES = ("units", "value")
RATE_MEASURES = ("share", "display", "promoter", "programs", "actions")
EXECUTION_MEASURES = ("display", "promoter", "programs", "actions")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_ATOMS = frozenset({str, int, float, bool, type(None), date})  # values plain returns as they are


def plain(value: object) -> object:
    """What dataclasses.asdict gives for a plan's dataclass (dicts for dataclasses, inside tuples, lists and dicts
    too), without asdict's deep copy of every other value: the values are read, never changed (`fingerprint`
    dumps them), and the copy was most of its time."""
    kind = type(value)
    if kind in _FIELD_NAMES or (is_dataclass(value) and not isinstance(value, type)):
        names = _FIELD_NAMES.get(kind) or _FIELD_NAMES.setdefault(kind, tuple(f.name for f in fields(value)))
        out = {}
        for name in names:
            item = getattr(value, name)
            out[name] = item if type(item) in _ATOMS else plain(item)
        return out
    if kind is tuple or kind is list:
        return kind(plain(item) for item in value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple, as asdict makes it
        return kind(*[plain(item) for item in value])
    if isinstance(value, list | tuple):
        return kind(plain(item) for item in value)
    if isinstance(value, dict):
        return kind((plain(k), plain(v)) for k, v in value.items())
    return value


@dataclass(frozen=True)
class Account:
    """The Account sheet: who, when, margins, thresholds, relationship and strategy texts."""

    name: str
    supplier: str
    period_start: date
    period_end: date
    currency: str
    kam_name: str
    kam_email: str
    management_emails: tuple[str, ...]
    margin_per_unit: float
    retailer_margin: float
    relationship_now: str
    relationship_target: str
    tier_factors: tuple[tuple[str, float], ...] = (("A", 1.2), ("B", 1.0), ("C", 0.8))
    execution_threshold: float = 0.8
    score_green: float = 1.0
    score_amber: float = 0.9
    strategy: str = ""
    value_proposition: str = ""
    visit_frequency: tuple[tuple[str, float], ...] = (("A", 2.0), ("B", 1.0), ("C", 0.5))  # visits a week
    sr_capacity: float = 30.0  # store visits an SR can make in a week (days in the field × visits a day)

    def visits_per_week(self, tier: str) -> float:
        """The visits a week the coverage plan asks for in a store of `tier` (A 2, B 1, C 2 a month)."""
        return dict(self.visit_frequency).get(tier, 0.0)

    def tier_factor(self, tier: str) -> float:
        """The allocation factor of a store tier (A 1.2, B 1.0, C 0.8 unless the plan says otherwise)."""
        return dict(self.tier_factors)[tier]


@dataclass(frozen=True)
class Evidence:
    """One item of a relationship level's evidence checklist, and whether it is met."""

    level: str
    evidence: str
    met: bool


@dataclass(frozen=True)
class Need:
    """One retailer need (Needs sheet) and the programs that answer it."""

    id: str
    need: str
    category: str
    priority: str
    answer: tuple[str, ...]
    value: str


@dataclass(frozen=True)
class Kpi:
    """One objective (Objectives sheet): a sum KPI with an HQ target or a rate KPI with tier targets."""

    id: str
    name: str
    unit: str
    type: str  # "sum" or "rate"
    measure: str  # a key of SUM_MEASURES or RATE_MEASURES
    direction: str  # "higher" or "lower"
    hq_target: float | None
    tier_targets: tuple[tuple[str, float], ...]
    basis: str | None
    min_growth: float | None
    max_growth: float | None
    weight: float
    cap: float
    green: float
    amber: float
    group: str  # "result" or "execution"

    @property
    def is_sum(self) -> bool:
        """True for a sum KPI (units, value) allocated over stores; False for a rate KPI."""
        return self.type == "sum"

    def tier_target(self, tier: str) -> float | None:
        """A rate KPI's target for a store tier (None when not set)."""
        return dict(self.tier_targets).get(tier)


@dataclass(frozen=True)
class Program:
    """One HQ program (Programs sheet): when, where it applies, cost and what it brings the store."""

    id: str
    name: str
    type: str
    start: date
    end: date
    tiers: tuple[str, ...]  # empty means all
    regions: tuple[str, ...]
    formats: tuple[str, ...]
    cost_per_store: float
    uplift: float
    benefit: str
    kpi: str
    need: str

    def applies_to(self, store: Store, period_start: date, period_end: date) -> bool:
        """Whether this program runs in the store: tier, region and format match and the
        program's dates overlap the plan period."""
        return (
            (not self.tiers or store.store_tier in self.tiers)
            and (not self.regions or store.region in self.regions)
            and (not self.formats or store.format in self.formats)
            and self.start <= period_end
            and self.end >= period_start
        )


@dataclass(frozen=True)
class Competitor:
    """One competitor (Competition sheet) and our response."""

    name: str
    share: float | None
    strategy: str
    response: str
    kpi: str
    main: bool


@dataclass(frozen=True)
class Store:
    """One store (Stores sheet): identity, SR, manager, tiers, baselines."""

    store_id: str
    name: str
    city: str
    region: str
    city_tier: str
    store_tier: str
    format: str
    sr_id: str
    sr_name: str
    sr_email: str
    manager: str
    manager_email: str
    base_units: float
    base_value: float
    category_units: float
    weight_override: float | None
    active: bool
    retailer_code: str = ""  # the store's code in the retailer's own reports (kam import)


@dataclass(frozen=True)
class Week:
    """One week of the plan (Calendar sheet) with its season weight."""

    id: str
    start: date
    end: date
    month: str
    season_weight: float
    note: str = ""


@dataclass(frozen=True)
class Plan:
    """The whole account plan, as read from the HQ workbook's plan sheets."""

    language: str
    account: Account
    evidence: tuple[Evidence, ...]
    needs: tuple[Need, ...]
    kpis: tuple[Kpi, ...]
    programs: tuple[Program, ...]
    competitors: tuple[Competitor, ...]
    stores: tuple[Store, ...]
    weeks: tuple[Week, ...]
    extras: tuple = field(default=(), compare=False)

    @cached_property
    def active_stores(self) -> tuple[Store, ...]:
        """The stores marked active, in plan order."""
        return tuple(s for s in self.stores if s.active)

    def store_frame(self, active_only: bool = True) -> pd.DataFrame:
        """The stores as a DataFrame indexed by store id."""
        import pandas as pd  # imported here: most commands never build frames

        rows = self.active_stores if active_only else self.stores
        names = [f.name for f in fields(Store)]

        frame = pd.DataFrame([[getattr(s, n) for n in names] for s in rows], columns=names)
        return frame.set_index("store_id", drop=False)

    def kpi(self, kpi_id: str) -> Kpi:
        """The KPI with this id (KeyError when there is none)."""
        return next(k for k in self.kpis if k.id == kpi_id)

    def kpi_for(self, measure: str) -> Kpi | None:
        """The first KPI on a measure, or None."""
        return next((k for k in self.kpis if k.measure == measure), None)

    @property
    def main_competitor(self) -> Competitor | None:
        """The competitor with the largest estimated share (the store tabs compare against it)."""
        return next((c for c in self.competitors if c.main), None)

    def programs_for(self, store: Store) -> tuple[Program, ...]:
        """The programs that apply to a store (its tier, region and format)."""
        acc = self.account
        return tuple(p for p in self.programs if p.applies_to(store, acc.period_start, acc.period_end))

    def promoter_days(self, store: Store) -> dict[str, float]:
        """week id -> promoter days the plan schedules in the store: the weekend days (Saturday, Sunday) of the
        week on which one of its promoter programs runs, one promoter a day each (docs/workbook.md)."""
        out: dict[str, float] = {}
        promoters = [p for p in self.programs_for(store) if p.type == "promoter"]
        for week in self.weeks if promoters else ():
            days = 0
            for p in promoters:
                first, last = max(week.start, p.start), min(week.end, p.end)
                days += sum(1 for n in range((last - first).days + 1) if (first + timedelta(n)).weekday() >= 5)
            if days:
                out[week.id] = float(days)
        return out

    def regions(self) -> tuple[str, ...]:
        """The regions of the active stores, in first-seen order."""
        return tuple(dict.fromkeys(s.region for s in self.stores))

    def fingerprint(self) -> str:
        """A short hash of everything the store tabs are built from."""
        payload = {
            "account": plain(self.account),
            "kpis": [plain(k) for k in self.kpis],
            "programs": [plain(p) for p in self.programs],
            "stores": [plain(s) for s in self.stores],
            "weeks": [plain(w) for w in self.weeks],
            "language": self.language,
        }
        text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

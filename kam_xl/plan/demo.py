"""A realistic demo account: a national electronics chain in China, drawn deterministically from a seed."""

from __future__ import annotations

import math
import numbers
from datetime import date, timedelta
from typing import TYPE_CHECKING

from kam_xl.errors import KamError
from kam_xl.lang.words import check_language
from kam_xl.model.plan import Account, Competitor, Evidence, Kpi, Need, Plan, Program, Store, Week
from kam_xl.plan import demo_data as D

if TYPE_CHECKING:
    import numpy as np

DEFAULT_STORES = 120
DEFAULT_SEED = 2026
MAX_STORES = 20000


def check_demo_size(stores: object, seed: object) -> None:
    """KamError unless `stores` is a whole number 1..MAX_STORES and `seed` a whole number 0 or more."""
    if isinstance(stores, bool) or not isinstance(stores, numbers.Integral) or not 1 <= stores <= MAX_STORES:
        raise KamError(f"--stores {stores}: the demo has 1 to {MAX_STORES:,} stores — give a number in that range")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise KamError(f"--seed {seed}: give a whole number 0 or more (the same seed makes the same account)")


def _pick(pair, lang: str) -> str:
    return pair[0] if lang == "en" else pair[1]


def demo_plan(stores: int = DEFAULT_STORES, lang: str = "en", seed: int = DEFAULT_SEED) -> Plan:
    """The demo account with `stores` stores; the same seed gives the same account in both languages."""
    check_language(lang)
    check_demo_size(stores, seed)
    import numpy as np  # the demo's random plan; checking a workbook needs no numpy

    rng = np.random.default_rng(seed)
    weeks = _weeks(lang)
    store_list = _stores(rng, stores, lang)
    account = _account(lang, weeks)
    programs = _programs(lang, {store.region for store in store_list})
    offered = {program.id for program in programs}
    return Plan(
        language=lang,
        account=account,
        evidence=tuple(Evidence(level, _pick(words, lang), met) for level, words, met in D.EVIDENCE),
        needs=tuple(
            Need(nid, _pick(need, lang), cat, prio, tuple(p for p in answer if p in offered), _pick(value, lang))
            for nid, need, cat, prio, answer, value in D.NEEDS
        ),
        kpis=_kpis(store_list, len(weeks), lang),
        programs=programs,
        competitors=tuple(
            Competitor(_pick(name, lang), share, _pick(strategy, lang), _pick(resp, lang), kpi, main)
            for name, share, strategy, resp, kpi, main in D.COMPETITORS
        ),
        stores=store_list,
        weeks=weeks,
    )


def _weeks(lang: str) -> tuple[Week, ...]:
    start = date(*D.PERIOD_START)
    weeks = []
    for offset in range(13):
        monday = start + timedelta(weeks=offset)
        iso_year, iso_week, _ = monday.isocalendar()
        weight, note = D.SEASON.get(iso_week, (1.0, ("", "")))
        thursday = monday + timedelta(days=3)
        weeks.append(
            Week(
                f"{iso_year}-W{iso_week:02d}",
                monday,
                monday + timedelta(days=6),
                f"{thursday.year}-{thursday.month:02d}",
                weight,
                _pick(note, lang),
            )
        )
    return tuple(weeks)


def _account(lang: str, weeks: tuple[Week, ...]) -> Account:
    surname, given = D.ACCOUNT["kam"]
    kam = f"{given[0]} {surname[0]}" if lang == "en" else surname[1] + given[1]
    return Account(
        name=_pick(D.ACCOUNT["name"], lang),
        supplier=_pick(D.ACCOUNT["supplier"], lang),
        period_start=weeks[0].start,
        period_end=weeks[-1].end,
        currency="CNY",
        kam_name=kam,
        kam_email=f"{given[0].lower()}.{surname[0].lower()}@example.com",
        management_emails=D.ACCOUNT["management"],
        margin_per_unit=180.0,
        retailer_margin=0.12,
        relationship_now="problem_solver",
        relationship_target="resource",
        strategy=_pick(D.ACCOUNT["strategy"], lang),
        value_proposition=_pick(D.ACCOUNT["value"], lang),
    )


def _person(index: int, lang: str) -> tuple[str, str]:
    """A deterministic person: (display name in the language, e-mail local part)."""
    surname = D.SURNAMES[index % len(D.SURNAMES)]
    given = D.GIVEN_NAMES[(index * 7 + index // len(D.SURNAMES)) % len(D.GIVEN_NAMES)]
    name = f"{given[0]} {surname[0]}" if lang == "en" else surname[1] + given[1]
    return name, f"{given[0].lower()}.{surname[0].lower()}"


def _sr_count(stores: int) -> int:
    """8 to 40 SRs with 10 to 40 stores each; above 1,600 stores, enough SRs for 40 stores each."""
    return min(stores, max(min(40, max(8, round(stores / 15))), math.ceil(stores / 40)))


def _stores(rng: np.random.Generator, count: int, lang: str) -> tuple[Store, ...]:
    import numpy as np

    sizes = np.array([D.CITY_SIZE[c[3]] for c in D.CITIES])
    city_of = np.sort(rng.choice(len(D.CITIES), size=count, p=sizes / sizes.sum()))
    tiers = [rng.choice(3, p=D.STORE_TIER_ODDS[D.CITIES[c][3]]) for c in city_of]
    rows = []
    seen: dict[str, int] = {}
    for number, (city_index, tier_index) in enumerate(zip(city_of, tiers), start=1):
        en_city, zh_city, region, city_tier = D.CITIES[city_index]
        tier = "ABC"[tier_index]
        formats, odds = zip(*D.FORMAT_ODDS[tier])
        fmt = formats[rng.choice(len(formats), p=odds)]
        units = D.BASE_UNITS[tier] * float(rng.lognormal(0.0, 0.45)) * (2.5 if fmt == "flagship" else 1.0)
        price = D.PRICE[tier] * float(rng.normal(1.0, 0.05))
        share = float(rng.uniform(0.15, 0.40))
        district = D.DISTRICTS[int(rng.integers(len(D.DISTRICTS)))]
        key = f"{city_index}-{district[0]}"
        seen[key] = seen.get(key, 0) + 1
        suffix = "" if seen[key] == 1 else f" {seen[key]}"
        rows.append(
            {
                "store_id": f"HX{number:04d}" if count < 10000 else f"HX{number:05d}",
                "city": _pick((en_city, zh_city), lang),
                "region": _pick(D.REGIONS[region], lang),
                "region_key": region,
                "city_tier": city_tier,
                "store_tier": tier,
                "format": fmt,
                "name": (
                    f"{D.ACCOUNT['short'][0]} {en_city} {district[0]}{suffix}"
                    if lang == "en"
                    else f"{D.ACCOUNT['short'][1]}{zh_city}{district[1]}{suffix.strip()}店"
                ),
                "base_units": round(units, 1),
                "base_value": float(round(units * price)),
                "category_units": round(units / share, 1),
                "active": not (count >= 50 and number % 97 == 0),
                "retailer_code": f"{D.ACCOUNT['code']}-{number * 37 % 100000:05d}",
            }
        )
    _assign_srs(rows, lang)
    _assign_managers(rows, lang)
    return tuple(Store(**{k: v for k, v in row.items() if k != "region_key"}, weight_override=None) for row in rows)


def _assign_srs(rows: list[dict], lang: str) -> None:
    """SRs cover neighbouring stores: stores in region and city order, cut into equal runs."""
    total = _sr_count(len(rows))
    for position, row in enumerate(rows):
        index = position * total // len(rows)
        name, local = _person(index + 3, lang)
        row.update(
            sr_id=f"SR{index + 1:03d}",
            sr_name=name,
            sr_email=f"{local}.{index + 1:03d}@example.com",
        )


def _assign_managers(rows: list[dict], lang: str) -> None:
    for number, row in enumerate(rows):
        name, local = _person(number * 11 + 5, lang)
        row.update(manager=name, manager_email=f"{local}.{row['store_id'].lower()}@example.net")


def _kpis(stores: tuple[Store, ...], n_weeks: int, lang: str) -> tuple[Kpi, ...]:
    active = [s for s in stores if s.active]
    totals = {
        "units": sum(s.base_units for s in active) * n_weeks,
        "value": sum(s.base_value for s in active) * n_weeks,
    }
    kpis = []
    for kid, measure, kind, name, unit, weight, cap, amber, group, tier_targets in D.KPIS:
        if kind == "sum":
            step = 100 if measure == "units" else 10000
            hq = float(max(step, round(totals[measure] * 1.12 / step) * step))
            kpis.append(
                Kpi(
                    kid,
                    _pick(name, lang),
                    _pick(unit, lang),
                    kind,
                    measure,
                    "higher",
                    hq,
                    (),
                    "baseline",
                    -0.05,
                    0.45,
                    weight,
                    cap,
                    1.0,
                    amber,
                    group,
                )
            )
        else:
            kpis.append(
                Kpi(
                    kid,
                    _pick(name, lang),
                    _pick(unit, lang),
                    kind,
                    measure,
                    "higher",
                    None,
                    tuple(zip("ABC", tier_targets)),
                    None,
                    None,
                    None,
                    weight,
                    cap,
                    1.0,
                    amber,
                    group,
                )
            )
    return tuple(kpis)


def _programs(lang: str, regions_with_stores: set[str]) -> tuple[Program, ...]:
    """The demo's programs, each for the regions of its own that have stores (a small demo account has stores in
    only some regions: a program for regions without any is left out, so that the plan stays valid)."""
    year = D.PERIOD_START[0]
    programs = []
    for pid, name, ptype, start, end, tiers, regions, formats, cost, uplift, benefit, kpi, need in D.PROGRAMS:
        named = tuple(_pick(D.REGIONS[r], lang) for r in regions)
        kept = tuple(region for region in named if region in regions_with_stores)
        if named and not kept:
            continue
        programs.append(
            Program(
                pid,
                _pick(name, lang),
                ptype,
                date(year, *start),
                date(year, *end),
                tiers,
                kept,
                formats,
                float(cost),
                uplift,
                _pick(benefit, lang),
                kpi,
                need,
            )
        )
    return tuple(programs)

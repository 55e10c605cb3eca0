"""The demo retailer's own sell-out report: one row per store and day of a week, in the retailer's words.

Real teams get the weekly sell-out per store from the retailer's supplier portal; `kam import` reads such a
report into the store tabs. The demo writes one for the week after the SRs' entries, with the retailer's
store codes, daily rows (kam adds them up per week), and the stock on the last day.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from kam_xl.model.plan import Plan, Week
from kam_xl.plan.demo import DEFAULT_SEED
from kam_xl.xlsx.spec import SheetSpec
from kam_xl.xlsx.writer import new_package

HEADERS = {
    "en": ("Store code", "Store", "Date", "Units", "Sales value", "Stock", "Receipts"),
    "zh": ("门店编码", "门店", "日期", "销量", "销售额", "库存", "到货"),
}


def retailer_report(plan: Plan, week: Week, path: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """Write the retailer's report of `week` for every active store with a retailer code; its path."""
    rng = np.random.default_rng(seed + 101)
    deliveries = np.random.default_rng(seed + 202)  # receipts (sell-in): one or two deliveries a week
    lang = plan.language
    sheet = SheetSpec(
        "Sell-out" if lang == "en" else "销售日报",
        freeze="A3",
        protected=False,
        widths={1: 14, 2: 30, 3: 12, 4: 10, 5: 14, 6: 10, 7: 10},
    )
    sheet.set(1, 1, f"{plan.account.name} · {week.start:%Y-%m-%d} – {week.end:%Y-%m-%d}", "title")
    sheet.row_values(2, 1, HEADERS[lang], "header")
    row = 3
    for store in plan.active_stores:
        if not store.retailer_code:
            continue
        weekly = store.base_units * week.season_weight * float(rng.lognormal(0.0, 0.2))
        price = store.base_value / store.base_units if store.base_units else 0.0
        stock = float(round(weekly * rng.uniform(1.0, 3.0)))
        days = set(deliveries.choice(7, size=int(deliveries.integers(1, 3)), replace=False).tolist())
        for day in range(7):
            units = float(rng.poisson(max(weekly / 7, 0.1)))
            sheet.row_values(row, 1, [store.retailer_code, store.name, week.start + timedelta(days=day)])
            sheet.set(row, 3, week.start + timedelta(days=day), "date")
            sheet.set(row, 4, units, "int")
            sheet.set(row, 5, float(round(units * price)), "int")
            if day == 6:
                sheet.set(row, 6, stock, "int")
            if day in days:
                sheet.set(row, 7, float(round(weekly / len(days) * deliveries.uniform(0.7, 1.3))), "int")
            row += 1
    path = Path(path)
    new_package([sheet]).save(path, backup=False)
    return path

"""`kam demo`: every stage that exists, run on a demo account, with a list of what it made."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kam_xl.errors import KamError, require_extra
from kam_xl.execution.collect import collect
from kam_xl.execution.importing import import_report
from kam_xl.execution.split import split
from kam_xl.execution.written import sha256_of
from kam_xl.lang.console import say
from kam_xl.mail.batch import build_emails
from kam_xl.metrics.measures import sum_kpi
from kam_xl.model.plan import Plan
from kam_xl.plan.demo import DEFAULT_SEED, DEFAULT_STORES
from kam_xl.plan.load import load_plan
from kam_xl.plan.workbook import init_workbook, validate
from kam_xl.progress import Progress
from kam_xl.reviewing.carry import next_period
from kam_xl.reviewing.proposal import next_sheet_name, read_proposal, target_cells
from kam_xl.reviewing.run import headline, review
from kam_xl.simulation.retailer import retailer_report
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.generate import generate
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.guard import exclusive
from kam_xl.xlsx.recalc import grid_lookup, refresh_values
from kam_xl.xlsx.safezip import atomic_write
from kam_xl.xlsx.spec import column_letter

DEMO_WEEKS = 9  # the demo's SRs have filled 9 of the 13 weeks; the retailer's report brings the 10th week's sales
NEXT_BOOK = {"en": "account-period-2.xlsx", "zh": "客户计划-第2期.xlsx"}
RETAILER_REPORT = {"en": "retailer-sell-out.xlsx", "zh": "零售商销售日报.xlsx"}


@dataclass
class DemoResult:
    """What the demo made: (description, path) pairs and headline facts."""

    folder: Path
    made: list[tuple[str, Path]] = field(default_factory=list)
    facts: list[tuple[str, object]] = field(default_factory=list)
    collect_lines: list[str] = field(default_factory=list)


def demo(
    out: str | Path = "kam-demo",
    stores: int = DEFAULT_STORES,
    lang: str = "en",
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    periods: int = 1,
) -> DemoResult:
    """Build the demo account in `out` and run the workflow on it (e-mails too: it needs kam-xl[mail]).

    With `periods` 2 the loop goes round once more: the KAM edits the Next period sheet (kam_edit), `next_period`
    makes the second period's workbook, and its SRs, collect and review follow; its Trends compare with period 1
    through the history database both workbooks share (kam-history.sqlite in `out`)."""
    if periods not in (1, 2):
        raise KamError(f"--periods {periods}: the demo runs 1 or 2 periods")
    require_extra("mail", "the demo (it ends with the e-mails)")  # say so before making anything
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    result = DemoResult(folder)
    book = folder / ("account.xlsx" if lang == "en" else "客户计划.xlsx")
    kept = set_aside_changed(folder, [book.name, NEXT_BOOK[lang], RETAILER_REPORT[lang]])
    if kept is not None:
        result.made.append((say("made_kept", lang), kept))
    plan = init_workbook(book, lang=lang, demo=True, stores=stores, seed=seed, force=True).plan  # a fresh demo
    result.made.append((say("made_book", lang), book))
    problems = validate(book)
    errors = [p for p in problems if p.is_error]
    result.facts += [
        (say("fact_account", lang), plan.account.name),
        (say("fact_stores", lang), len(plan.stores)),
        (say("fact_active", lang), len(plan.active_stores)),
        (say("fact_srs", lang), len({s.sr_id for s in plan.stores})),
        (say("fact_weeks", lang), len(plan.weeks)),
        (say("fact_check", lang), say("check_errors", lang, count=len(errors)) if errors else say("check_ok", lang)),
    ]
    generated = generate(book, progress=progress)
    result.made.append((say("made_tabs", lang, count=len(generated.written)), book))
    sr_folder = folder / ("sr-files" if lang == "en" else "业务代表文件")
    split_result = split(book, sr_folder, progress=progress, force=True)  # a re-run moves the last SR files aside
    result.made.append((say("made_sr_files", lang, count=len(split_result.files)), sr_folder))
    result.made.append((say("made_index", lang), split_result.index))
    filled = fill_sr_files(sr_folder, plan, weeks=DEMO_WEEKS, seed=seed)
    report = collect(book, [sr_folder], progress=progress)
    result.facts += [
        (say("fact_typed", lang, weeks=DEMO_WEEKS), filled.values),
        (say("fact_collected", lang), report.written),
        (say("fact_rejected", lang), sum(f.rejected for f in report.files)),
        (say("fact_refused", lang), sum(f.status == "refused" for f in report.files)),
    ]
    result.collect_lines = report.lines()
    review(book, progress=progress)  # the review of the SRs' weeks: the next one shows the change since it
    sold = retailer_report(plan, plan.weeks[DEMO_WEEKS], folder / RETAILER_REPORT[lang], seed=seed)
    imported = import_report(book, sold)
    result.made.append((say("made_report", lang), sold))
    result.facts.append((say("fact_imported", lang), imported.written))
    reviewed = review(book, progress=progress)
    result.made.append((say("made_scorecards", lang, sheets=say("list_sep", lang).join(reviewed.sheets)), book))
    result.facts += headline(reviewed.summary)
    emails = build_emails(book, folder / ("emails" if lang == "en" else "邮件"), progress=progress)
    result.made.append((say("made_emails", lang, count=len(emails)), emails.index))
    if periods == 2:
        second_period(result, book, plan, lang, seed, progress)
    _record(folder, [book.name, NEXT_BOOK[lang], RETAILER_REPORT[lang]])
    return result


DEMO_RECORD = ".kam-demo.json"  # the SHA-256 of each workbook the last demo left in its folder


def set_aside_changed(folder: Path, names: list[str]) -> Path | None:
    """Move the workbooks among `names` that the last demo did not leave as they are (a person worked in them,
    or the demo never wrote them) into FOLDER/replaced-YYYYmmdd-HHMMSS/ before the demo writes new ones, so
    that none is lost to the rotation of backups; returns that folder (None when nothing had to move)."""
    try:
        record = json.loads((folder / DEMO_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    record = record if isinstance(record, dict) else {}
    changed = [name for name in names if (folder / name).is_file() and sha256_of(folder / name) != record.get(name)]
    if not changed:
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target, number = folder / f"replaced-{stamp}", 2
    while target.exists():
        target, number = folder / f"replaced-{stamp}-{number}", number + 1
    target.mkdir()
    for name in changed:
        os.replace(folder / name, target / name)
    return target


def _record(folder: Path, names: list[str]) -> None:
    hashes = {name: sha256_of(folder / name) for name in names if (folder / name).is_file()}
    atomic_write(folder / DEMO_RECORD, json.dumps(hashes, ensure_ascii=False, indent=1).encode("utf-8"), backup=False)


def second_period(result: DemoResult, book: Path, plan: Plan, lang: str, seed: int, progress: Progress | None) -> None:
    """Period 2 of the demo: the KAM's edit, next-period, generate, split, the SRs' entries, collect, review."""
    folder = result.folder
    store, kpi, before, after = kam_edit(book, plan)
    result.facts.append((say("fact_edit", lang, kpi=kpi, store=store), f"{before:,.0f} → {after:,.0f}"))
    following = folder / NEXT_BOOK[lang]
    made = next_period(book, following, progress=progress, force=True)  # a re-run replaces the last one
    result.made.append((say("made_book_2", lang, start=made.period_start, end=made.period_end), following))
    targets = say("list_sep", lang).join(f"{k} {v:,.0f}" for k, v in made.targets.items())
    result.facts += [(say("fact_targets_2", lang), targets), (say("fact_actions_2", lang), made.actions)]
    generate(following, progress=progress)  # the tabs next-period made are up to date: nothing changes
    plan2 = load_plan(following)
    sr_folder = folder / ("sr-files-2" if lang == "en" else "业务代表文件-2")
    split_result = split(following, sr_folder, progress=progress, force=True)
    result.made.append((say("made_sr_files_2", lang, count=len(split_result.files)), sr_folder))
    fill_sr_files(sr_folder, plan2, weeks=DEMO_WEEKS, seed=seed + 1, actions_used=made.action_rows)
    report = collect(following, [sr_folder], progress=progress)
    result.facts.append((say("fact_collected_2", lang), report.written))
    reviewed = review(following, progress=progress)
    sheets = say("list_sep", lang).join(reviewed.sheets)
    result.made.append((say("made_scorecards_2", lang, sheets=sheets), following))
    result.facts += [(say("fact_period_2", lang, name=name), value) for name, value in headline(reviewed.summary)]


def kam_edit(book: Path, plan: Plan) -> tuple[str, str, float, float]:
    """The demo KAM's edit on the Next period sheet, as done by hand in Excel: the units target of the first
    store raised by 20 % (a store refit planned for the next period); the sheet's formulas recomputed as Excel
    does on save. Returns (store id, KPI id, target before, after)."""
    kpi = sum_kpi(plan, "units")
    store = plan.active_stores[0].store_id
    with exclusive(book, command="demo"):
        sheet = FileBook(book)
        row, col = target_cells(sheet, plan)[(store, kpi.id)]
        before = float(read_proposal(sheet, plan).loc[store, kpi.id])
        after = float(math.floor(before * 1.2 + 0.5))
        name = next_sheet_name(plan)
        sheet.set_cells(name, {f"{column_letter(col)}{row}": after})
        refresh_values(sheet, [name], {name: grid_lookup(sheet.grid(name), {(row, col): after})})
        sheet.save()
    return store, kpi.id, before, after

"""`kam demo`: every stage that exists, run on a demo account, with a list of what it made."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kam_xl.errors import require_extra
from kam_xl.execution.collect import collect
from kam_xl.execution.importing import import_report
from kam_xl.execution.split import split
from kam_xl.mail.batch import build_emails
from kam_xl.plan.demo import DEFAULT_SEED, DEFAULT_STORES
from kam_xl.plan.workbook import init_workbook, validate
from kam_xl.progress import Progress
from kam_xl.reviewing.run import headline, review
from kam_xl.simulation.retailer import retailer_report
from kam_xl.simulation.simulate import fill_sr_files
from kam_xl.storetabs.generate import generate

DEMO_WEEKS = 9  # the demo's SRs have filled 9 of the 13 weeks; the retailer's report brings the 10th week's sales
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
) -> DemoResult:
    """Build the demo account in `out` and run the workflow on it (e-mails too: it needs kam-xl[mail])."""
    require_extra("mail", "the demo (it ends with the e-mails)")  # say so before making anything
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    result = DemoResult(folder)
    book = folder / ("account.xlsx" if lang == "en" else "客户计划.xlsx")
    plan = init_workbook(book, lang=lang, demo=True, stores=stores, seed=seed, force=True).plan  # a fresh demo
    result.made.append(("HQ workbook (account plan)", book))
    problems = validate(book)
    errors = [p for p in problems if p.is_error]
    result.facts += [
        ("account", plan.account.name),
        ("stores", len(plan.stores)),
        ("active stores", len(plan.active_stores)),
        ("sales reps", len({s.sr_id for s in plan.stores})),
        ("weeks", len(plan.weeks)),
        ("plan check", "no errors" if not errors else f"{len(errors)} error(s)"),
    ]
    generated = generate(book, progress=progress)
    result.made.append((f"store plan tabs ({len(generated.written)})", book))
    sr_folder = folder / ("sr-files" if lang == "en" else "业务代表文件")
    split_result = split(book, sr_folder, progress=progress, force=True)  # a re-run moves the last SR files aside
    result.made.append((f"SR workbooks ({len(split_result.files)})", sr_folder))
    result.made.append(("who gets which SR workbook", split_result.index))
    filled = fill_sr_files(sr_folder, plan, weeks=DEMO_WEEKS, seed=seed)
    report = collect(book, [sr_folder], progress=progress)
    result.facts += [
        (f"SR entries typed ({DEMO_WEEKS} weeks, a few mistakes on purpose)", filled.values),
        ("SR entries collected", report.written),
        ("SR entries rejected (see the collect log)", sum(f.rejected for f in report.files)),
        ("SR files refused", sum(f.status == "refused" for f in report.files)),
    ]
    result.collect_lines = report.lines()
    review(book, progress=progress)  # the review of the SRs' weeks: the next one shows the change since it
    sold = retailer_report(plan, plan.weeks[DEMO_WEEKS], folder / RETAILER_REPORT[lang], seed=seed)
    imported = import_report(book, sold)
    result.made.append(("the retailer's sell-out report of the next week (imported)", sold))
    result.facts.append(("values imported from the retailer's report", imported.written))
    reviewed = review(book, progress=progress)
    result.made.append(("scorecards: " + ", ".join(reviewed.sheets), book))
    result.facts += headline(reviewed.summary)
    emails = build_emails(book, folder / ("emails" if lang == "en" else "邮件"), progress=progress)
    result.made.append((f"e-mails ({len(emails)}): open in a browser", emails.index))
    return result

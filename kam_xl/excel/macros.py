"""The workflow steps as Excel macros on the open workbook: xlwings scripts (classic and Lite) and RunPython entries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kam_xl.errors import KamError
from kam_xl.excel import xlbook
from kam_xl.excel.xlbook import XlBook, book_folder, quiet
from kam_xl.execution.collect import collect_book
from kam_xl.execution.split import split as split_workbook
from kam_xl.history.optional import collected_before
from kam_xl.model.parsing import ParseError, clean_text, is_blank, parse_yes_no
from kam_xl.reviewing.run import review_book
from kam_xl.storetabs.generate import generate_tabs

# Each step is a thin function taking the open `book` (an xlwings Book, as xlwings Lite passes it) that
# runs the library stage on an XlBook and returns what to tell the person. Files: `split` writes
# `<workbook folder>/<workbook name> - SR files/` and `collect` reads the same folder (the SRs' returned
# files are saved there, over the originals); `email` writes `<workbook name> - e-mails/`. A `KAM SR
# Folder` / `KAM E-mail Folder` row on the xlwings.conf sheet names another folder (absolute, or relative
# to the workbook's folder); `KAM Review As Of` sets review's as-of week. Classic xlwings runs the
# `*_macro()` functions through RunPython (kam_macros.bas beside this module has the VBA buttons).
CONF_SHEET = "xlwings.conf"
SR_FOLDER_KEY = "KAM SR Folder"
EMAIL_FOLDER_KEY = "KAM E-mail Folder"
AS_OF_KEY = "KAM Review As Of"
EXPORT_FOLDER_KEY = "KAM Export Folder"
EXPORT_FORMAT_KEY = "KAM Export Format"  # parquet (default) or csv
NEXT_FILE_KEY = "KAM Next Period File"  # the next period's workbook (default: "<name> - next period.xlsx")
NEXT_START_KEY = "KAM Next Period Start"  # its first day (default: the day after the last week)
EARLIER_PLAN_KEY = "KAM Collect Earlier Plan"  # Y: collect merges tabs made for an earlier plan (--earlier-plan)
MAX_MESSAGE = 1000  # characters a message box shows comfortably


def setting(xbook: XlBook, key: str) -> str | None:
    """The value beside `key` in column A of the xlwings.conf sheet, or None."""
    if CONF_SHEET not in xbook.sheet_names():
        return None
    for row in xbook.grid(CONF_SHEET):
        if row and clean_text(row[0]).casefold() == key.casefold() and len(row) > 1 and not is_blank(row[1]):
            return clean_text(row[1])
    return None


def _yes(value: str | None, key: str) -> bool:
    """A Y/N setting (blank: no); KamError naming the setting when it is neither."""
    try:
        return bool(parse_yes_no(value))
    except ParseError:
        raise KamError(f"xlwings.conf › {key}: {value!r} is neither Y nor N") from None


def home(xbook: XlBook) -> Path:
    """The workbook's folder; a clear refusal when the workbook has none (never saved, or xlwings Lite)."""
    found = book_folder(xbook.book)
    if found is None:
        raise KamError(
            "this step reads or writes files next to the workbook: save the workbook to a folder "
            "first (xlwings Lite cannot reach your files: there, use the `kam` command instead)"
        )
    return found


def folder(xbook: XlBook, key: str, suffix: str) -> Path:
    """The folder a step writes or reads beside the workbook (or the one the setting names)."""
    named = setting(xbook, key)
    return home(xbook) / (named or f"{Path(str(xbook.book.name)).stem} - {suffix}")


def saved_file(xbook: XlBook) -> Path:
    """Save the workbook and return its path, for the steps that read the workbook file."""
    home(xbook)
    xbook.book.save()
    return Path(str(xbook.book.fullname))


def run(book, step: Callable[[XlBook], str]) -> str:
    """Run one step on the open workbook with Excel quiet; the message for the person."""
    xbook = XlBook(book)
    with quiet(book.app):
        message = step(xbook)
    if xbook.skipped:
        message += "\nNot possible in this Excel, so left out: " + ", ".join(sorted(xbook.skipped)) + "."
    return message


def generate(book) -> str:
    """Add or refresh one store tab per active store; every value typed in a tab is kept."""
    return run(book, _generate)


def _generate(xbook: XlBook) -> str:
    result = generate_tabs(xbook)
    return (
        f"{len(result.written)} store tab(s) written, {len(result.kept_inactive)} kept as inactive, "
        f"{len(result.removed)} removed."
    )


def review(book) -> str:
    """Compute the scorecards from the store tabs and write the scorecard sheets."""
    return run(book, _review)


def _review(xbook: XlBook) -> str:
    result = review_book(xbook, setting(xbook, AS_OF_KEY))
    warnings = f"\n{len(result.warnings)} warning(s): " + "; ".join(result.warnings[:3]) if result.warnings else ""
    return f"Review as of {result.as_of_week_id or 'no week yet'}: {', '.join(result.sheets)} written.{warnings}"


def collect(book) -> str:
    """Merge the SR workbooks saved in the SR folder into the store tabs; log every change and refusal."""
    return run(book, _collect)


def _collect(xbook: XlBook) -> str:
    source = folder(xbook, SR_FOLDER_KEY, "SR files")
    if not source.is_dir():
        raise KamError(f"no folder {source}: save the SRs' returned workbooks there, then collect")
    path = str(xbook.book.fullname)  # its history database (if any) says what the SR files brought last
    earlier_plan = _yes(setting(xbook, EARLIER_PLAN_KEY), EARLIER_PLAN_KEY)
    report = collect_book(
        xbook,
        [source],
        earlier_plan=earlier_plan,
        collected_before=lambda book, stores: collected_before(path, book, "collect", stores),
    )
    return "\n".join(report.lines())


def split(book) -> str:
    """Save the workbook, then write one workbook per SR into the SR folder (split reads the saved file)."""
    return run(book, _split)


def _split(xbook: XlBook) -> str:
    target = folder(xbook, SR_FOLDER_KEY, "SR files")
    # SRs' returned files are saved in this folder too: files split did not write, or that changed since, are
    # moved into a dated replaced-… subfolder rather than overwritten (a button cannot ask; nothing is lost).
    result = split_workbook(saved_file(xbook), target, force=True)
    moved = (
        f"\n{len(result.moved)} file(s) that split had not written or that changed since (returned SR workbooks?) "
        f"were moved to {result.moved_to}: collect them from there if they are not collected yet."
        if result.moved
        else ""
    )
    return f"{len(result.files)} SR workbook(s) written to {result.folder} (the workbook was saved first).{moved}"


def email(book) -> str:
    """Save the workbook, then write the e-mails (.eml) into the e-mail folder."""
    return run(book, _email)


def _email(xbook: XlBook) -> str:
    from kam_xl.mail.batch import (
        build_emails,  # imported when used: it brings in the e-mail templates
    )

    target = folder(xbook, EMAIL_FOLDER_KEY, "e-mails")
    batch = build_emails(saved_file(xbook), target, as_of=setting(xbook, AS_OF_KEY))
    skipped = f", {len(batch.skipped)} skipped (no valid address)" if batch.skipped else ""
    return (
        f"{len(batch)} e-mail(s) written to {batch.folder}{skipped}; nothing was sent (the workbook was saved first)."
    )


def export(book) -> str:
    """Save the workbook, then write its tables for BI (parquet or CSV) into the export folder."""
    return run(book, _export)


def _export(xbook: XlBook) -> str:
    from kam_xl.reporting.export import export as export_tables  # imported when used: it brings in pyarrow

    target = folder(xbook, EXPORT_FOLDER_KEY, "export")
    fmt = (setting(xbook, EXPORT_FORMAT_KEY) or "parquet").strip().casefold()
    result = export_tables(saved_file(xbook), target, format=fmt)
    rows = ", ".join(f"{name} {count:,}" for name, count in result.rows.items())
    return (
        f"{len(result.files)} table(s) written to {result.folder} as {result.format} ({rows}); "
        "the workbook was saved first. 已导出数据表（工作簿已先保存）。"
    )


def next_period(book) -> str:
    """Save the workbook, then write the next period's HQ workbook beside it (never over an existing file)."""
    return run(book, _next_period)


def _next_period(xbook: XlBook) -> str:
    from kam_xl.reviewing.carry import next_period as make_next_period

    source = saved_file(xbook)
    named = setting(xbook, NEXT_FILE_KEY)
    target = home(xbook) / (named or f"{source.stem} - next period.xlsx")
    result = make_next_period(source, target, start=setting(xbook, NEXT_START_KEY))
    return (
        "\n".join(result.lines())
        + "\nThe workbook was saved first; open the new one to check the plan. 已生成下期工作簿（本工作簿已先保存）。"
    )


def show(book, step: Callable[[object], str]) -> str:
    """Run a step and show how it went in a message box (a kam_xl problem as its message, not a traceback)."""
    try:
        message = step(book)
    except KamError as exc:
        message = f"Stopped: {exc}"
    book.app.alert(message[:MAX_MESSAGE], title="kam_xl")
    return message


# Classic xlwings: RunPython "import kam_xl.excel.macros as kam; kam.generate_macro()" (see kam_macros.bas).


def generate_macro() -> None:
    show(xlbook.caller_book(), generate)


def split_macro() -> None:
    show(xlbook.caller_book(), split)


def collect_macro() -> None:
    show(xlbook.caller_book(), collect)


def review_macro() -> None:
    show(xlbook.caller_book(), review)


def email_macro() -> None:
    show(xlbook.caller_book(), email)


def export_macro() -> None:
    show(xlbook.caller_book(), export)


def next_period_macro() -> None:
    show(xlbook.caller_book(), next_period)


STEPS = {
    "generate": generate,
    "split": split,
    "collect": collect,
    "review": review,
    "email": email,
    "export": export,
    "next_period": next_period,
}

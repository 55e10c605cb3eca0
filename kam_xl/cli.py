"""The `kam` command line: one thin command per workflow step."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from kam_xl.errors import KamError
from kam_xl.version import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kam", description="Key retail account management in Excel.")
    parser.add_argument("--version", action="version", version=f"kam_xl {__version__}")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (for scripts)")
    shared = argparse.ArgumentParser(add_help=False)  # the same options also after the command's name
    shared.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS, help="print only errors")
    shared.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print the result as JSON")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser = _with_parents(commands.add_parser, shared)

    init = commands.add_parser("init", help="new HQ workbook from the template (optionally a demo account)")
    init.add_argument("book", type=Path)
    _writer_options(init, "replace an existing workbook (its content is kept as a backup), even one open in Excel")
    init.add_argument("--lang", choices=("en", "zh"), default="en")
    init.add_argument("--demo", action="store_true", help="fill a realistic demo account")
    init.add_argument("--stores", type=int, help="demo: number of stores (default 120)")
    init.add_argument("--seed", type=int, help="demo: random seed (same seed, same account)")

    validate = commands.add_parser("validate", help="check the plan; exit 1 if it has errors")
    validate.add_argument("book", type=Path)

    generate = commands.add_parser("generate", help="add or refresh one plan tab per store (keeps typed values)")
    generate.add_argument("book", type=Path)
    generate.add_argument("--sr", help="only the stores of this SR id")
    generate.add_argument("--region", help="only the stores of this region")
    _writer_options(generate, OPEN_ANYWAY)

    split = commands.add_parser("split", help="one workbook per SR with only their stores, plus index.csv")
    split.add_argument("book", type=Path)
    split.add_argument("--out", type=Path, required=True, help="folder for the SR workbooks")
    split.add_argument(
        "--week", help="the week of the 'This week' sheet (default: the week after HQ's last week with units)"
    )
    _writer_options(split, "move files in the way (returned SR workbooks, files split did not write) to a subfolder")

    collect = commands.add_parser("collect", help="merge SR workbooks back into the HQ store tabs (checked, logged)")
    collect.add_argument("book", type=Path)
    collect.add_argument("sources", type=Path, nargs="+", metavar="FILE_OR_DIR")
    collect.add_argument(
        "--earlier-plan",
        action="store_true",
        help="also merge tabs made for an earlier version of the plan (refused otherwise), each value by its row's key",
    )
    _writer_options(collect, OPEN_ANYWAY)
    _db_option(collect)

    importing = commands.add_parser(
        "import", help="the retailer's sell-out report (store × week) into the store tabs (checked, logged)"
    )
    importing.add_argument("book", type=Path)
    importing.add_argument("report", type=Path, metavar="REPORT", help="the retailer's report: .xlsx, .xlsm or .csv")
    importing.add_argument(
        "--map", type=Path, dest="mapping", metavar="MAPPING",
        help="a .json or .csv naming report columns (header,field) or store codes (code,store id)",
    )  # fmt: skip
    _writer_options(importing, OPEN_ANYWAY)
    _db_option(importing)

    review = commands.add_parser("review", help="compute the scorecards and write them into the workbook")
    review.add_argument("book", type=Path)
    review.add_argument(
        "--as-of",
        dest="as_of",
        metavar="DATE_OR_WEEK",
        help="week id (2026-W45, W45), week number 1..n (5, 第5周) or date YYYY-MM-DD; default: last week with entries",
    )
    _writer_options(review, OPEN_ANYWAY)
    _db_option(review)

    email = commands.add_parser("email", help="one e-mail per SR, store manager and management (.eml; --send: SMTP)")
    email.add_argument("book", type=Path)
    email.add_argument("--out", type=Path, required=True, help="folder for the .eml files and index.html")
    email.add_argument("--to", default="sr,store,hq", help="which e-mails: sr,store,hq (default: all)")
    email.add_argument(
        "--as-of",
        dest="as_of",
        metavar="DATE_OR_WEEK",
        help="week id, week number or date (default: last week with entries)",
    )
    email.add_argument(
        "--send",
        action="store_true",
        help="deliver over SMTP; without it nothing leaves the machine",
    )
    email.add_argument("--smtp-host", help="or KAM_SMTP_HOST")
    email.add_argument("--smtp-port", type=int, help="or KAM_SMTP_PORT (25; 587 with --starttls; 465 with --ssl)")
    tls = email.add_mutually_exclusive_group()
    tls.add_argument("--starttls", action="store_true")
    tls.add_argument("--ssl", action="store_true")
    email.add_argument("--smtp-user", help="or KAM_SMTP_USER; the password only from KAM_SMTP_PASSWORD")
    _writer_options(email, None)

    export = commands.add_parser("export", help="long typed tables for BI (parquet or CSV) from a workbook or --db")
    export.add_argument("book", type=Path, nargs="?", help="the HQ workbook (or give --db)")
    export.add_argument("--out", type=Path, required=True, help="folder for the tables")
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.add_argument("--period", help="from --db: only this period (2026-09-28/2026-12-27)")
    _db_option(export)
    _writer_options(export, None)

    portfolio = commands.add_parser("portfolio", help="every key account in the history database side by side")
    portfolio.add_argument("--out", type=Path, required=True, help="the portfolio workbook (.xlsx) to write")
    portfolio.add_argument("--period", help="a period key (2026-09-28/2026-12-27) or a date in it; default: latest")
    _db_option(portfolio, required=True)
    _writer_options(
        portfolio,
        "replace --out even when it is open in Excel or LibreOffice, or is not a portfolio kam wrote (kept as a "
        "backup beside it)",
    )

    following = commands.add_parser(
        "next-period", help="the next period's HQ workbook from this one and its review (targets, baselines, actions)"
    )
    following.add_argument("book", type=Path)
    following.add_argument("--out", type=Path, required=True, help="the new HQ workbook (.xlsx) to write")
    following.add_argument("--start", metavar="DATE", help="first day of the next period (default: the day after)")
    following.add_argument("--weeks", type=int, metavar="N", help="weeks of the next period (default: as now)")
    _writer_options(following, "replace --out if it exists (its content is kept as a backup beside it)")

    demo = commands.add_parser("demo", help="the whole loop on a demo account")
    demo.add_argument("--out", type=Path, default=Path("kam-demo"))
    demo.add_argument("--stores", type=int, help="number of stores (default 120)")
    demo.add_argument("--lang", choices=("en", "zh"), default="en")
    demo.add_argument("--seed", type=int, help="random seed (same seed, same account)")
    demo.add_argument("--periods", type=int, help="1 (default) or 2: the second period from the first one's review")
    return parser


OPEN_ANYWAY = "change the workbook even though Excel or LibreOffice has it open (their copy may overwrite it)"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give the seconds to wait, 0 or more (0: do not wait)")
    return value


def _writer_options(command: argparse.ArgumentParser, force_help: str | None) -> None:
    """--wait (and --force) of a command that changes a workbook or writes a folder (kam_xl.xlsx.guard)."""
    command.add_argument(
        "--wait",
        type=_seconds,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for another kam command on the same workbook or folder (default 600; 0: do not wait)",
    )
    if force_help:
        command.add_argument("--force", action="store_true", help=force_help)


def _db_option(command: argparse.ArgumentParser, required: bool = False) -> None:
    """--db: the history database (kam_xl.history.store)."""
    command.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        required=required,
        help="history database: an SQLite file or postgresql://user@host/db "
        + ("" if required else "(default: KAM_DB, else kam-history.sqlite beside the workbook; none: do not record)"),
    )


def _with_parents(add_parser, shared):
    def add(name, **kwargs):
        return add_parser(name, parents=[shared], **kwargs)

    return add


class Output:
    """Where commands print: rich text for people, JSON for scripts, nothing when quiet."""

    def __init__(self, quiet: bool, as_json: bool):
        from rich.console import Console

        self.quiet, self.as_json = quiet, as_json
        self.lang = "en"  # the words of what is printed: the workbook's language (set by the command)
        self.console = Console(highlight=False, soft_wrap=True)
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True)

    def say(self, text: str) -> None:
        if not self.quiet and not self.as_json:
            self.console.print(text)

    def line(self, key: str, style: str = "", **values) -> None:
        """Say the sentence `key` of kam_xl.lang.console in the command's language (values escaped for rich)."""
        from kam_xl.lang.console import say

        text = _escape(say(key, self.lang, **values))
        self.say(f"[{style}]{text}[/]" if style else text)

    def of_book(self, path: Path) -> None:
        """Speak the language of this workbook from now on."""
        from kam_xl.plan.meta import book_language

        self.lang = book_language(path)

    def data(self, payload) -> None:
        if self.as_json:
            print(json.dumps(payload, ensure_ascii=not _speaks_unicode(sys.stdout), indent=2, default=str))

    def progress(self):
        """A context manager giving the Progress callback for the command (rich bars, or silence)."""
        from kam_xl.lang.console import stage_words
        from kam_xl.progress import RichProgress, SilentProgress

        lang = self.lang
        return SilentProgress() if self.quiet or self.as_json else RichProgress(lambda stage: stage_words(stage, lang))


def cmd_init(args, out: Output) -> int:
    from kam_xl.plan.workbook import init_workbook

    result = init_workbook(
        args.book,
        lang=args.lang,
        demo=args.demo,
        force=args.force,
        wait=args.wait,
        **_given(args, "stores", "seed"),
    )
    plan = result.plan
    stores = len(plan.stores) if plan else 0
    out.lang = args.lang
    out.line("wrote_demo" if plan else "wrote_empty", book=args.book, stores=stores, language=args.lang)
    _notes(out, result.forced, result.backup)
    out.data(
        {
            "book": str(args.book),
            "lang": args.lang,
            "stores": stores,
            "backup": _str(result.backup),
            "forced": result.forced,
        }
    )
    return 0


def cmd_validate(args, out: Output) -> int:
    from kam_xl.lang.console import problem_line
    from kam_xl.plan.workbook import validate

    out.of_book(args.book)
    problems = validate(args.book)
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    for problem in errors + warnings:
        out.say(("[red]" if problem.is_error else "[yellow]") + _escape(problem_line(problem, out.lang)) + "[/]")
    out.line("validated", book=args.book, errors=len(errors), warnings=len(warnings))
    out.data(
        {
            "book": str(args.book),
            "errors": [p.as_dict() for p in errors],
            "warnings": [p.as_dict() for p in warnings],
        }
    )
    return 1 if errors else 0


def cmd_generate(args, out: Output) -> int:
    from kam_xl.storetabs.generate import generate

    out.of_book(args.book)
    with out.progress() as progress:
        result = generate(
            args.book, sr=args.sr, region=args.region, progress=progress, wait=args.wait, force=args.force
        )
    out.line("tabs_written" if result.saved else "tabs_unchanged", book=args.book, count=len(result.written))
    for store_id, (old, new) in result.renamed.items():
        out.line("tab_renamed", store=store_id, old=old, new=new)
    if result.kept_inactive:
        out.line("tabs_kept_inactive", count=len(result.kept_inactive), stores=", ".join(result.kept_inactive))
    for old, new in result.id_changed:
        out.line("store_id_changed", old=old, new=new)
    if result.removed:
        out.line("tabs_removed", count=len(result.removed))
    _notes(out, result.forced, result.backup)
    out.data(
        {
            "book": str(args.book),
            "saved": result.saved,
            "written": result.written,
            "renamed": result.renamed,
            "kept_inactive": result.kept_inactive,
            "id_changed": result.id_changed,
            "removed": result.removed,
            "backup": _str(result.backup),
            "forced": result.forced,
        }
    )
    return 0


def cmd_split(args, out: Output) -> int:
    from kam_xl.execution.split import split

    out.of_book(args.book)
    with out.progress() as progress:
        result = split(args.book, args.out, progress=progress, force=args.force, wait=args.wait, week=args.week)
    for item in result.files:
        out.line("split_file", file=item.path.name, name=item.sr_name, sr=item.sr_id, count=len(item.stores))
    out.line("split_done", count=len(result.files), folder=result.folder, index=result.index)
    if result.moved:
        out.line(
            "split_moved", "yellow", count=len(result.moved), folder=result.moved_to,
            files=", ".join(p.name for p in result.moved),
        )  # fmt: skip
    out.data(result.as_dict())
    return 0


def cmd_collect(args, out: Output) -> int:
    from kam_xl.execution.collect import collect

    out.of_book(args.book)
    with out.progress() as progress:
        report = collect(
            args.book, args.sources, progress=progress, wait=args.wait, force=args.force, db=args.db,
            earlier_plan=args.earlier_plan,
        )  # fmt: skip
    return _merge_report(out, report)


def _merge_report(out: Output, report) -> int:
    """What collect and import print: the report's lines, history and safety notes, the data, the exit code."""
    out.lang = report.lang
    for line in report.lines():
        out.say(_escape(line))
    _history_notes(out, report.history)
    _notes(out, report.forced, report.backup)
    out.data({**report.as_dict(), "forced": report.forced})
    return report.exit_code


def cmd_import(args, out: Output) -> int:
    from kam_xl.execution.importing import import_report

    report = import_report(args.book, args.report, args.mapping, wait=args.wait, force=args.force, db=args.db)
    return _merge_report(out, report)


def cmd_review(args, out: Output) -> int:
    from kam_xl.lang.console import say
    from kam_xl.lang.texts import console_text
    from kam_xl.reviewing.run import headline, review

    out.of_book(args.book)
    with out.progress() as progress:
        result = review(args.book, as_of=args.as_of, progress=progress, wait=args.wait, force=args.force, db=args.db)
    out.lang = result.summary.get("language") or out.lang
    if result.saved:
        out.line("review_written", book=args.book, sheets=say("list_sep", out.lang).join(result.sheets))
    else:
        out.line("review_unchanged", book=args.book)
    colon = console_text("h_colon", out.lang)
    for name, value in headline(result.summary):
        out.say(f"  {name}{colon}{_escape(str(value))}")
    for warning in result.warnings:
        out.line("warning", "yellow", text=warning)
    _history_notes(out, result.history)
    _notes(out, result.forced, result.backup)
    out.data(
        {
            **result.summary,
            "book": str(args.book),
            "saved": result.saved,
            "sheets": result.sheets,
            "warnings": result.warnings,
            "backup": _str(result.backup),
            "forced": result.forced,
        }
    )
    return 0


def cmd_email(args, out: Output) -> int:
    from kam_xl.mail.batch import email
    from kam_xl.mail.smtp import SmtpSettings

    settings = (
        SmtpSettings.from_env(args.smtp_host, args.smtp_port, args.starttls, args.ssl, args.smtp_user)
        if args.send
        else None
    )
    out.of_book(args.book)
    with out.progress() as progress:
        batch = email(
            args.book, args.out, to=args.to, as_of=args.as_of, send=settings, progress=progress, wait=args.wait
        )
    out.line("emails_written", count=len(batch), index=batch.index)
    for skipped in batch.skipped:
        out.line(
            "email_skipped", "yellow", kind=skipped.kind, key=skipped.key, name=skipped.name, reason=skipped.reason
        )
    for warning in batch.warnings:
        out.line("warning", "yellow", text=warning)
    if batch.send_report:
        for line in batch.send_report.lines():
            out.say(_escape(line))
    out.data(batch.as_dict())
    return 0


def cmd_export(args, out: Output) -> int:
    from kam_xl.reporting.export import export

    result = export(args.book, args.out, db=args.db, format=args.format, period=args.period, wait=args.wait)
    for name, path in result.files.items():
        out.say(f"  {name}: {result.rows[name]} row(s) → {path}")
    out.say(f"{len(result.files)} table(s) written to {result.folder} ({result.format})")
    out.data(result.as_dict())
    return 0


def cmd_portfolio(args, out: Output) -> int:
    from kam_xl.reporting.portfolio import portfolio

    result = portfolio(args.db, args.out, period=args.period, wait=args.wait, force=args.force)
    for line in result.lines():
        out.say(_escape(line))
    out.data(result.as_dict())
    return 0


def cmd_next_period(args, out: Output) -> int:
    from kam_xl.reviewing.carry import next_period

    out.of_book(args.book)
    with out.progress() as progress:
        result = next_period(
            args.book, args.out, start=args.start, weeks=args.weeks, progress=progress, force=args.force,
            wait=args.wait,
        )  # fmt: skip
    for line in result.lines():
        out.say(_escape(line))
    _notes(out, result.forced, result.backup)
    out.data(result.as_dict())
    return 0


def cmd_demo(args, out: Output) -> int:
    from kam_xl.lang.texts import console_text
    from kam_xl.simulation.run import demo

    out.lang = args.lang
    with out.progress() as progress:
        result = demo(args.out, lang=args.lang, progress=progress, **_given(args, "stores", "seed", "periods"))
    colon = console_text("h_colon", out.lang)
    out.line("demo_in", "bold", folder=result.folder)
    for what, path in result.made:
        out.say(f"  {_escape(what)}{colon}{path}")
    for name, value in result.facts:
        out.say(f"  {_escape(name)}{colon}{_escape(str(value))}")
    if result.collect_lines:
        out.line("demo_collect", "bold")
        for line in result.collect_lines:
            out.say("  " + _escape(line))
    out.data(
        {
            "folder": str(result.folder),
            "made": {w: str(p) for w, p in result.made},
            "facts": dict(result.facts),
        }
    )
    return 0


def _history_notes(out: Output, recorder) -> None:
    """What the history database recorded (and any warning about it)."""
    if recorder is None or not recorder.enabled:
        return
    if recorder.caught_up:
        out.line("history_caught_up", count=recorder.caught_up, db=recorder.label)
    if recorder.recorded:
        out.line("history_recorded", count=recorder.recorded, db=recorder.label)
    for warning in recorder.warnings:
        out.line("warning", "yellow", text=warning)


def _notes(out: Output, forced: list[str], backup: Path | None) -> None:
    """What --force overrode (in yellow) and where the backup of the old workbook is."""
    for note in forced:
        out.line("forced", "yellow", note=note)
    if backup:
        out.line("backup", path=backup)


def _str(path: Path | None) -> str | None:
    return str(path) if path else None


def _given(args, *names: str) -> dict:
    """The options the person gave (the library's defaults stand for the others)."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


COMMANDS = {
    "init": cmd_init,
    "validate": cmd_validate,
    "generate": cmd_generate,
    "split": cmd_split,
    "collect": cmd_collect,
    "import": cmd_import,
    "review": cmd_review,
    "email": cmd_email,
    "export": cmd_export,
    "portfolio": cmd_portfolio,
    "next-period": cmd_next_period,
    "demo": cmd_demo,
}


def main(argv: list[str] | None = None) -> int:
    """Run the `kam` command line with these arguments (default: sys.argv); returns the exit code:
    0 done, 1 done but something was refused or rejected (see the report), 2 a mistake in what was asked
    (a message says what to do; nothing was written), 3 an unexpected failure (the message names what was
    saved before it, if anything, and a file with the details), 130 interrupted."""
    _never_fail_on_a_character()
    saves_before = len(_saved())
    args = _parser().parse_args(argv)
    out = Output(args.quiet, args.json)
    try:
        return COMMANDS[args.command](args, out)
    except KamError as exc:
        return _fail(out, args, str(exc), 2)
    except BrokenPipeError:  # the reader of our output went away (`kam ... | head`)
        sys.stderr.close()
        return 0
    except OSError as exc:  # a path that cannot be read or written: the person's to fix
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(
            out, args, f"{where}{exc.strerror or exc} — check the path, the folder's permissions and the disk", 2
        )
    except KeyboardInterrupt:
        out.errors.print("interrupted")
        return 130
    except BaseException as exc:  # never a traceback on the screen (a library's panic too): kept in a file
        if isinstance(exc, (SystemExit, GeneratorExit)):
            raise
        report = _keep_traceback()
        saved = _what_was_saved(saves_before)
        return _fail(out, args, f"unexpected problem ({type(exc).__name__}: {exc}); {saved}. Details for a bug "
                     f"report: {report}", 3)  # fmt: skip


def _saved() -> list[Path]:
    """The files saved in this process so far (none when nothing that saves was loaded)."""
    safezip = sys.modules.get("kam_xl.xlsx.safezip")
    return safezip.WRITTEN if safezip is not None else []


def _what_was_saved(saves_before: int) -> str:
    """What the command had saved before an unexpected problem stopped it (each save is whole or not at all)."""
    saved = _saved()[saves_before:]
    if not saved:
        return "nothing was saved"
    names = ", ".join(dict.fromkeys(str(path) for path in saved))
    return f"saved before the problem (complete and safe to open): {names}"


def _speaks_unicode(stream) -> bool:
    return (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


def _never_fail_on_a_character() -> None:
    """A console that cannot show a character (an ASCII or GBK terminal, output redirected on Windows) gets an
    escape such as \\u2192 for it, never an error half way through a report."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not _speaks_unicode(stream) and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # closed, or not a text stream we may change
                stream.reconfigure(errors="backslashreplace")


def _fail(out: Output, args, message: str, code: int) -> int:
    out.errors.print(f"[red]error:[/] {_escape(message)}")
    if args.json:
        print(json.dumps({"error": message, "exit_code": code}, ensure_ascii=not _speaks_unicode(sys.stdout)))
    return code


def _keep_traceback() -> str:
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile("w", prefix="kam-error-", suffix=".txt", delete=False, encoding="utf-8") as out:
        out.write(traceback.format_exc())
    return out.name


def run() -> None:
    """The `kam` program (and `python -m kam_xl`): main(), then end the process at once.

    When a command returns, what it wrote is saved, synced and renamed into place and its locks are released;
    what is left is Python's own teardown, which frees every object one by one (~0.15 s after a generate of
    1,000 tabs). So the output is flushed and the process ends without it, unless something could still need
    it: another thread or a child process still running, or output that cannot be flushed."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken output: the ordinary exit reports it
        sys.exit(code)
    import threading

    children = sys.modules.get("multiprocessing")
    if threading.active_count() > 1 or (children is not None and children.active_children()):
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    run()

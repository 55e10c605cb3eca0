"""kam_xl — key retail account management in Excel: Account Plan → Execution → Review, in a loop.

The pipeline, one subpackage per stage, plain data between them::

    plan/        HQ workbook: layout, reader, checks, demo account       → Plan
    storetabs/   Plan → one tab per store (targets, programs, log, review) → store tabs in the HQ book
    execution/   split one workbook per SR, collect their entries back    → entries in the HQ store tabs
    reviewing/   entries → scorecards, problems, next period              → review sheets in the HQ book
    reporting/   export (tables for BI) and the portfolio of key accounts  → parquet / CSV, portfolio.xlsx
    mail/        review → one e-mail per SR, store manager, management    → .eml files / SMTP
    simulation/  the whole loop on the demo account with simulated SRs

and underneath them::

    model/       the plain data: Plan, entries, parsing what people type
    lang/        English and Chinese words and texts
    metrics/     allocation and every metric (pure pandas): the one definition
    history/     the history database (SQLite or PostgreSQL): what collect and review recorded
    xlsx/        all workbook file I/O (python-calamine, openpyxl, lxml)
    excel/       the same steps inside Excel (xlwings): UDFs, macros, the adapter
    book.py      the Book protocol every stage reads and writes
    cli.py       `kam`: one thin command per step

Each step is one function here, one `kam` command and (in Excel) one macro, with the same name.
Every error kam_xl raises on purpose is a KamError whose message says what to do.
"""

from __future__ import annotations

import importlib

from kam_xl.version import __version__ as __version__

_STEPS = {
    "init_workbook": "kam_xl.plan.workbook",
    "validate": "kam_xl.plan.workbook",
    "generate": "kam_xl.storetabs.generate",
    "split": "kam_xl.execution.split",
    "collect": "kam_xl.execution.collect",
    "review": "kam_xl.reviewing.run",
    "email": "kam_xl.mail.batch",
    "export": "kam_xl.reporting.export",
    "portfolio": "kam_xl.reporting.portfolio",
    "next_period": "kam_xl.reviewing.carry",
    "demo": "kam_xl.simulation.run",
    "KamError": "kam_xl.errors",
}
__all__ = list(_STEPS)


def __getattr__(name: str):
    """The steps are imported when first used, so `import kam_xl` (and `kam --version`) stays fast."""
    if name not in _STEPS:
        raise AttributeError(f"module 'kam_xl' has no attribute {name!r}")
    value = getattr(importlib.import_module(_STEPS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

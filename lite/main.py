"""The kam_xl xlwings Lite bundle: paste into the Lite editor's main.py (requirements.txt beside it).

Imports only kam-xl's core (what Lite can install) and Lite's own xlwings: the functions below and the scripts
Generate and Review work in Lite (tests/test_extras.py runs this file without the e-mail packages)."""

import xlwings as xw
from xlwings import script

from kam_xl.excel import macros
from kam_xl.excel.udfs import (  # noqa: F401  (xlwings Lite registers the custom functions it finds here)
    KAM_ALLOCATE,
    KAM_ATTAINMENT,
    KAM_GROWTH,
    KAM_QUADRANT,
    KAM_RAG,
    KAM_RELATIONSHIP,
    KAM_ROI,
    KAM_RUNRATE,
    KAM_SCORE,
    KAM_SHARE,
)

# KAM_TARGET is left out: a Lite custom function cannot read the open workbook (it needs classic xlwings).
# split, collect and e-mail are left out: xlwings Lite cannot reach files on your disk (use `kam` there).


@script
def kam_generate(book: xw.Book):
    """Add or refresh one store tab per store (entered values are kept)."""
    macros.show(book, macros.generate)


@script
def kam_review(book: xw.Book):
    """Compute the scorecards and write the scorecard sheets."""
    macros.show(book, macros.review)

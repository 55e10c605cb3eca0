"""CSV text for the files kam writes, with formula-like text neutralised so Excel shows it instead of running it.

A cell such as `=HYPERLINK("http://x","y")`, `@SUM(1+1)`, `+1` or `-1` typed into the plan would be evaluated by
Excel when the CSV is opened (CSV injection). Following OWASP, text beginning with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading apostrophe; numbers stay numbers. Every CSV kam writes goes through `csv_text`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value as a CSV cell: text that Excel would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV text (CRLF line ends, as Excel writes them), every cell neutralised by safe_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()

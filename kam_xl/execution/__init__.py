"""The execution stage: one plain workbook per SR out, their entries back in — checked, logged, atomic.

split.py    split(): the `kam split` step — DIR/<SR id>.xlsx with only that SR's stores, and index.csv
collect.py  collect(): the `kam collect` step — SR files merged into the same cells of the HQ store tabs
log.py      the Collect log sheet: every refused file, rejected cell, changed and kept value

Takes the HQ workbook with its store tabs; hands the entries (typed values in the HQ tabs) to reviewing/.
"""

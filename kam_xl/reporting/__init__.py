"""Reporting beyond one workbook: flat tables for BI tools, and the portfolio of key accounts.

export.py      `kam export`: long, typed tables (stores, targets, entries, scorecards, programs, problems) from a
               workbook or the history database, as parquet (pyarrow) or CSV (kam_xl.csvfile)
portfolio.py   `kam portfolio`: every key account in the history database side by side, ranked, one workbook

Above reviewing (a workbook's tables are the review's numbers) and below mail.
"""

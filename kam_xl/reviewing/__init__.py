"""The review stage: entries → scorecards, problems and next period, written into the HQ workbook.

run.py            review(): the `kam review` step — read the tabs, compute, write the sheets
summary.py        the account-level numbers (the four principles, relationship, weeks)
problems.py       the Problems & opportunities rows (evidence and suggested action)
scorecards.py     the Store / SR / Region / Tier scorecard sheets, Problems and Next period sheets
account_sheet.py  the Account summary sheet with its charts
proposal.py       the Next period sheet read back as the KAM edited it (the next period's targets)
carry.py          next_period(): the `kam next-period` step — the next period's HQ workbook from this one

Hands the ReviewResult (frames and summary) to mail/.
"""

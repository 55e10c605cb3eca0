"""The review stage: entries → scorecards, problems and next period, written into the HQ workbook.

run.py            review(): the `kam review` step — read the tabs, compute, write the sheets
summary.py        the account-level numbers (the four principles, relationship, weeks)
problems.py       the Problems & opportunities rows (evidence, action, problem id, money at stake, severity)
scorecards.py     the Store / SR / Region / Tier scorecard sheets and the Next period sheet
tracker.py        Problems & opportunities as a tracker: the KAM's owner/due/status/note kept across reviews
program_sheet.py  the Program ROI sheet (per-program ROI and verdict) with the needs review
voice.py          the Voice of the store: competitor activity, comments and feedback from the weekly logs
account_sheet.py  the Account summary sheet with its charts
proposal.py       the Next period sheet read back as the KAM edited it (the next period's targets)
carry.py          next_period(): the `kam next-period` step — the next period's HQ workbook from this one

Hands the ReviewResult (frames and summary) to mail/.
"""

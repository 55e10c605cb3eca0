"""The one definition of every number (docs/metrics.md): pure functions over plain data and pandas.

allocation.py  store and week targets from HQ targets (weights, growth caps, largest remainder), the trace
measures.py    attainment, share, execution, ROI, score, RAG, quadrant… per store; the scalar forms the UDFs call
rollup.py      store → SR → region → tier → account (sums summed, ratios recomputed), ranks, next period
baselines.py   the next period's baselines from the ending period's run-rate
flags.py       the problems and opportunities a store shows (weeks behind, stock, ROI, stale data…)
programs.py    per-program ROI (uplift shared among the programs running a store-week), verdict, ROI RAG

Nothing here reads or writes a workbook; the store-tab formulas, the UDFs and the review all follow it.
"""

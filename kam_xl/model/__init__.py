"""The plain data that travels between the stages.

plan.py     Plan: the account plan in typed form (account, needs, KPIs, programs, stores, weeks)
entries.py  what was typed into store tabs: field keys, per-field normalisation, Entries (DataFrames)
parsing.py  reading what people really type (1,234 · １２３ · 12% · 是/否 · dates as text); ParseError
lazyimport.py  a module (pandas) imported when first used, so commands that build no frames skip it

Nothing here reads or writes a file.
"""

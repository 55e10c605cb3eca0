"""The history database: what every collect and review recorded, for trends, the portfolio and BI.

target.py   which database a command records into (and none), decided without importing SQLAlchemy
optional.py recording when it is on, a recorder that records nothing when it is off (no SQLAlchemy then)
store.py    where the database is (`--db`, KAM_DB, `kam-history.sqlite` beside the workbook), its tables,
            the schema version and the migrations that bring an older database up to date
record.py   the recording protocol: rows written in a transaction that is committed only after the workbook's
            atomic replace; a `_history` marker in the workbook lets the next run catch up after a kill
values.py   field values as typed database columns (kind, number, text) and back; Ancestors, what a
            command's files last brought (the base of collect's three-way merge)
marker.py   the workbook's `_history` sheet (the last run recorded for it), read without SQLAlchemy
query.py    reading it back: entries, scorecards, weekly series, accounts and periods

SQLAlchemy Core, so the same code runs on the embedded SQLite file and on a PostgreSQL server (a
`postgresql://` URL). Sits above storetabs (the catch-up reads the store tabs) and below execution and
reviewing, which call it while they hold the workbook's lock.
"""

"""The store-tab stage: one plan tab per store in the HQ workbook, regenerated without losing a value.

names.py     tab names within Excel's rules, unique and stable
layout.py    build_tab(): one store's tab as a SheetSpec with live formulas, and the cell of every input
cellmap.py   the compact map of input cells kept in _meta; reading a tab's typed values back
meta.py      the hidden _meta sheet (account, plan fingerprint, one record per store tab)
find.py      finding the store tabs of a workbook (by _meta, else by their store-id cell)
generate.py  generate(): the `kam generate` step (generate_tabs() on any Book)

Takes a Plan; hands store tabs (and their _meta records) to execution/ and reviewing/.
"""

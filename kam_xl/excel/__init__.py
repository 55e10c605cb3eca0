"""The same steps inside Excel through xlwings (its BSD part only); the only place xlwings is imported.

xlbook.py        XlBook: the Book protocol on an open xlwings workbook
macros.py        generate / split / collect / review / email on the open workbook (classic and Lite)
kam_macros.bas   the VBA buttons (KamGenerate, KamSplit, KamCollect, KamReview, KamEmail)
udfs.py          the KAM_… worksheet functions, thin wrappers over kam_xl.metrics
selftest.py      builds kam-udf-selftest.xlsx (beside it, shipped in the package): checks every UDF inside Excel
"""

"""All workbook file I/O: the only place python-calamine, openpyxl and lxml are used.

The parts of an .xlsx zip and the modules that read or write them::

    zip container, size/bomb/DTD guards, atomic save           → safezip.py
    numbered backups beside a saved workbook                    → backups.py
    [Content_Types].xml, *.rels, copying parts between files    → parts.py
    xl/workbook.xml (sheets, names, views, calcPr)              → workbook.py (WorkbookParts)
    xl/worksheets/sheetN.xml, new sheets                        → sheetxml.py (from SheetSpec, spec.py)
    xl/worksheets/sheetN.xml, edits of cells in place           → cellpatch.py
    xl/styles.xml, xl/sharedStrings.xml                         → seeding.py, styles.py, stylebook.py
    xl/drawings/*, xl/charts/*                                  → charts.py
    the whole package, part-level edits                         → package.py (Package)
    reading values fast                                         → read.py (python-calamine)

writer.py turns SheetSpecs into sheets of a package; filebook.py is the Book protocol on a file;
sheetnames.py holds Excel's rule for sheet names. guard.py is the lock every command that changes a
workbook (or writes a folder) takes before reading it, with the checks for a workbook open in Excel.
"""

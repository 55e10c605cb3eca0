"""The plan stage: the HQ workbook the KAM fills, read back into a Plan with every problem at its cell.

schema.py     the plan sheets' columns (header in either language, kind, bounds)
sheets.py     the HQ workbook's plan sheets as SheetSpecs (README, Account … Calendar, _meta, xlwings.conf)
reader.py     PlanReader: the plan sheets → Plan, problems as Sheet!Cell: message (value)
checks.py     whole-plan checks (duplicates, feasibility, references between sheets)
load.py       read_plan / plan_of / load_plan: the entry point every later stage uses
workbook.py   init_workbook() and validate(): the `kam init` and `kam validate` steps
carried.py    the hidden _carried sheet: values next-period carries into store tabs generate makes
demo.py       demo_plan(): a realistic account (demo_data.py holds its cities, names and programs)

Hands a Plan (kam_xl.model.plan) to storetabs/ and every later stage.
"""

Attribute VB_Name = "kam_macros"
' kam_xl buttons for classic xlwings (Windows/macOS). Needs the xlwings add-in and a Python with kam-xl,
' and a reference to xlwings (VBA editor: Tools > References > xlwings). Import this file with
' File > Import File..., then assign the macros to buttons (Insert > Shapes, right-click > Assign Macro).
' Each macro runs the same step as the kam command, on this open workbook; see docs/excel.md.

Sub KamGenerate()
    RunPython "import kam_xl.excel.macros as kam; kam.generate_macro()"
End Sub

Sub KamSplit()
    RunPython "import kam_xl.excel.macros as kam; kam.split_macro()"
End Sub

Sub KamCollect()
    RunPython "import kam_xl.excel.macros as kam; kam.collect_macro()"
End Sub

Sub KamReview()
    RunPython "import kam_xl.excel.macros as kam; kam.review_macro()"
End Sub

Sub KamEmail()
    RunPython "import kam_xl.excel.macros as kam; kam.email_macro()"
End Sub

Sub KamExport()
    RunPython "import kam_xl.excel.macros as kam; kam.export_macro()"
End Sub

Sub KamNextPeriod()
    RunPython "import kam_xl.excel.macros as kam; kam.next_period_macro()"
End Sub

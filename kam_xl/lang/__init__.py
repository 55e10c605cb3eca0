"""English and Chinese: sheet names and list values (words.py), and every sentence kam_xl writes (texts.py).

words.py   sheet names, list labels in both languages, matching a typed label back to its key
texts.py   labels and texts of the HQ workbook, the store tabs, the review and the e-mails
numbers.py percentages (never "-0%") and dates as the reader says them ("the week of 30 Nov 2026", "11月30日")
"""

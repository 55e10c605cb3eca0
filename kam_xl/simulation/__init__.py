"""The whole loop on the demo account, with simulated sales reps filling their workbooks.

simulate.py  fill_sr_files(): a week-by-week SR entry simulation, with the mistakes people make
run.py       demo(): the `kam demo` step — init, validate, generate, split, simulate, collect, review, e-mail
"""

"""`python -m kam_xl` runs the kam command line."""

from kam_xl.cli import run

run()

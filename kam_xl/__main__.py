"""`python -m kam_xl` runs the kam command line."""

import sys

from .cli import main

sys.exit(main())

"""`python -m kam_xl` runs the kam command line."""

import sys

from kam_xl.cli import main

sys.exit(main())

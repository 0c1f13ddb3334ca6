"""`python -m coopsim` runs the command line."""

import sys

from coopsim.cli import main

sys.exit(main())

"""``python -m experiments.cli``: the same as the ``drumbeat`` command."""

import sys

from .main import main

sys.exit(main())

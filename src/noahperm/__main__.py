"""``python -m noahperm``: the ``noahperm`` command (the rules use this form)."""

import sys

from noahperm.cli import main

sys.exit(main())

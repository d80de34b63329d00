"""``python -m newsbot``: the same commands as the ``newsbot`` console script."""

from __future__ import annotations

import sys

from newsbot.analysis.cli import main

sys.exit(main())

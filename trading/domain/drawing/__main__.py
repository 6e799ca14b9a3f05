"""``python -m trading.domain.drawing verify FILE ...`` (see ``cli.py``)."""

from .cli import main

raise SystemExit(main())

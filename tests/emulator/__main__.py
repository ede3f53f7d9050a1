"""``python -m emulator`` (with ``tests/`` on PYTHONPATH)."""
import sys

from .cli import main

sys.exit(main())

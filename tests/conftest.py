"""Make ``tests/`` importable so test code can ``import emulator``."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

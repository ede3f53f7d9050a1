"""Local emulator of the Huawei Cloud ECS and ModelArts scheduled-event APIs.

See README.md beside this file and docs/dev/CONTRACTS.md.
"""
from .fleet import Fleet
from .server import Emulator

__all__ = ["Emulator", "Fleet"]

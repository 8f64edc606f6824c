"""The simulation reuses the sync pipeline fixtures (the installed fake clock included)."""

from tests.integration.sync.conftest import _one_clock, aredis, settings

__all__ = ["_one_clock", "aredis", "settings"]

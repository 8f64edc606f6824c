"""The simulation reuses the sync pipeline fixtures."""

from tests.integration.sync.conftest import aredis, clock, settings

__all__ = ["aredis", "clock", "settings"]

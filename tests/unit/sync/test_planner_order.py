"""Planners run in the order `sync/registry.py` declares, not in the order modules were imported."""

from __future__ import annotations

import pytest

from setlist_app.sync import planners, registry


def test_ticks_follow_the_declared_order_whatever_the_registration_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert list(registry.registered_planners()) == list(registry.PLANNER_ORDER)
    reversed_registration = dict(reversed(list(planners._PLANNERS.items())))
    monkeypatch.setattr(planners, "_PLANNERS", reversed_registration)
    assert list(planners.registered_planners()) == list(registry.PLANNER_ORDER)


def test_every_planner_must_be_placed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planners, "_ORDER", planners._ORDER)  # restored after the test
    with pytest.raises(ValueError, match="missing \\['trending'\\]"):
        planners.set_order([n for n in registry.PLANNER_ORDER if n != "trending"])
    with pytest.raises(ValueError, match="unknown \\['nightly'\\]"):
        planners.set_order([*registry.PLANNER_ORDER, "nightly"])
    with pytest.raises(ValueError, match="once"):
        planners.set_order([*registry.PLANNER_ORDER, "trending"])

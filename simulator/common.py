"""Helpers shared by the simulated APIs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from simulator.catalog import Catalog


def catalog(request: Request) -> Catalog:
    return request.app.state.catalog


def int_param(request: Request, name: str, default: int) -> int | None:
    """An integer query parameter, or None when it is not an integer."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return None


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def page_slice(items: list[Any], offset: int, limit: int) -> list[Any]:
    return items[offset : offset + limit]

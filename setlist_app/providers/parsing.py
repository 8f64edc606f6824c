"""Lenient wire models: unknown fields ignored, missing ones defaulted, wrong shapes -> BadResponse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from setlist_app.providers.errors import BadResponse

W = TypeVar("W", bound="Wire")
R = TypeVar("R")


class Wire(BaseModel):
    """Base for raw payload models."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


def parse(provider: str, wire: type[W], payload: Any, convert: Callable[[W], R]) -> R:
    """Validate `payload` as `wire` and convert it; any failure becomes `BadResponse`."""
    try:
        return convert(wire.model_validate(payload))
    except BadResponse:
        raise
    except (ValidationError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise BadResponse(provider, f"unexpected payload: {str(exc)[:300]}") from exc

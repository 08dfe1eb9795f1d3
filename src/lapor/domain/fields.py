"""Constraints shared by the request fields of several routes."""

from __future__ import annotations

from typing import TypeVar

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from lapor.errors import NUL_ERROR

_T = TypeVar("_T")


def _no_nul(value: _T) -> _T:
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError(NUL_ERROR, "Text may not contain a NUL character")
    return value


# PostgreSQL cannot store a NUL character in text (SQLite can). Refused at the door with a 422,
# instead of failing a query (a 500) or accepting a report that no worker could ever store.
NoNul = AfterValidator(_no_nul)

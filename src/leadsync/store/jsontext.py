"""JSON column text: what SQLAlchemy's JSON type writes, without SQLAlchemy (a
read helper process, sync/part.py, imports no database layer)."""

from __future__ import annotations

import json
from json import encoder
from typing import Any


def _not_json(value: object) -> Any:
    raise TypeError(f"not JSON: {type(value).__name__}")


# json.dumps builds an encoder for every call; the bulk paths write several JSON
# columns per lead, so they keep one. Same output as json.dumps with its defaults.
_MAKE_ENCODER: Any = getattr(encoder, "c_make_encoder", None)
_ENCODE = (
    _MAKE_ENCODER(
        None,
        _not_json,
        encoder.encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    if _MAKE_ENCODER is not None
    else None
)


def dumps(value: list[str] | dict[str, str]) -> str:
    """What SQLAlchemy's JSON type writes, byte for byte; most lists are empty."""
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    if _ENCODE is None:
        return json.dumps(value)
    return "".join(_ENCODE(value, 0))

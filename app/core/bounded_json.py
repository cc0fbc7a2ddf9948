"""JSON parsing with a nesting limit: every `json.loads` of outside input goes through here.

Python's parser recurses once per level, so `[[[[…]]]]` a thousand deep raises
RecursionError (a 500) instead of a clear answer. Nothing FitKart reads nests deeper than
a handful of levels (a sync record's intervals are four deep), so deeper input is refused
before it is parsed.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_JSON_DEPTH = 20

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JSONTooDeep(ValueError):
    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        super().__init__(f"JSON may nest at most {limit} levels deep.")


def nesting_depth(text: str | bytes) -> int:
    """How deep arrays and objects nest in `text` (brackets inside strings do not count)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    # Few brackets cannot nest deeply: the common case costs two counts.
    opened = text.count("[") + text.count("{")
    if opened <= MAX_JSON_DEPTH:
        return opened
    brackets = _NOT_BRACKET.sub("", _STRING.sub('""', text))
    return max(accumulate(_STEP[c] for c in brackets), default=0)


def too_deep(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    return nesting_depth(text) > limit


def loads(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, refusing (JSONTooDeep, a ValueError) input nested beyond `limit`."""
    if too_deep(text, limit):
        raise JSONTooDeep(limit)
    return json.loads(text)

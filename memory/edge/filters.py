"""Mem0's filter dicts → Qdrant Edge `Filter`s.

Mem0 hands every vector store the same dialect (`{"user_id": "u1", "n": {"gte": 2}, "OR": [...]}`) and leaves
the translation to the store. This follows `mem0.vector_stores.qdrant.Qdrant._create_filter`, with three
deliberate differences, all towards what Mem0 documents rather than what that store happens to do:

- several operators on one key (`{"n": {"gte": 1, "ne": 3}}`, which Mem0 itself builds when it merges an AND)
  become one condition each instead of a ValueError;
- `"*"` means "the field is present", not "no condition";
- `contains` is a case-sensitive substring match (`MatchSubstring`, what qdrant-client's local mode does for
  `MatchText` without a text index); `icontains` has no native equivalent in Edge, so it matches the substring
  as written, lower-, upper-, title- or capitalised, or the words in any case (`MatchText`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from qdrant_edge import (
    FieldCondition,
    Filter,
    IsEmptyCondition,
    MatchAny,
    MatchExcept,
    MatchSubstring,
    MatchText,
    MatchValue,
    RangeDateTime,
    RangeFloat,
)

if TYPE_CHECKING:
    from qdrant_edge import ConditionType as Condition
else:
    Condition: TypeAlias = object

_LOGICAL = {"AND": "AND", "$and": "AND", "OR": "OR", "$or": "OR", "NOT": "NOT", "$not": "NOT"}
_RANGE_OPS = ("gt", "gte", "lt", "lte")
_SUPPORTED_OPS = frozenset({"eq", "ne", "in", "nin", "contains", "icontains", *_RANGE_OPS})
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$")


def to_edge_filter(filters: Mapping[str, Any] | None) -> Filter | None:
    """Translate a Mem0 filter dict; None when it constrains nothing.

    Args:
        filters: Field conditions and AND / OR / NOT lists (with or without `$`), as Mem0 passes them.

    Returns:
        The Edge filter, or None for an empty dict or one made only of empty groups.

    Raises:
        ValueError: an unknown operator, a logical group that is not a list of dicts, or unusable range
        bounds.
    """
    if not filters:
        return None
    must: list[Condition] = []
    should: list[Condition] = []
    must_not: list[Condition] = []
    seen_groups: set[str] = set()
    for key, value in filters.items():
        group = _LOGICAL.get(key)
        if group is None:
            must.extend(_field_conditions(key, value))
            continue
        # Mem0 passes both "OR" and the "$or" it derived from it: evaluate each group once.
        if group in seen_groups:
            continue
        seen_groups.add(group)
        built = [f for f in (to_edge_filter(sub) for sub in _group_items(key, value)) if f is not None]
        {"AND": must, "OR": should, "NOT": must_not}[group].extend(built)
    if not (must or should or must_not):
        return None
    return Filter(must=must or None, should=should or None, must_not=must_not or None)


def _group_items(key: str, value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        raise ValueError(f"{key} filter value must be a list of filter dicts, got {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise ValueError(f"{key} filter item {index} must be a dict, got {type(item).__name__}: {item!r}")
    return value


def _field_conditions(key: str, value: object) -> list[Condition]:
    if not isinstance(value, Mapping):
        return [_equals(key, value)]
    unknown = set(value) - _SUPPORTED_OPS
    if unknown:
        raise ValueError(
            f"Unsupported filter operator(s) for field {key!r}: {sorted(unknown)}; "
            f"supported: {sorted(_SUPPORTED_OPS)}"
        )
    conditions: list[Condition] = []
    bounds = {op: value[op] for op in _RANGE_OPS if op in value}
    if bounds:
        conditions.append(_range(key, bounds))
    for op, operand in value.items():
        if op in _RANGE_OPS:
            continue
        if op == "eq":
            conditions.append(_equals(key, operand))
        elif op == "ne":
            conditions.append(_not_in(key, [operand]))
        elif op == "in":
            conditions.append(_in(key, _as_list(key, op, operand)))
        elif op == "nin":
            conditions.append(_not_in(key, _as_list(key, op, operand)))
        elif op == "contains":
            conditions.append(FieldCondition(key, match=MatchSubstring(str(operand))))
        else:  # icontains
            conditions.append(_icontains(key, str(operand)))
    return conditions


def _equals(key: str, value: object) -> Condition:
    if value == "*":
        return Filter(must_not=[IsEmptyCondition(key)])
    if value is None:
        return IsEmptyCondition(key)
    if isinstance(value, list):
        return _in(key, value)
    if isinstance(value, float):
        # Edge matches only keywords, integers and booleans exactly; a float equals itself as a closed range.
        return FieldCondition(key, range=RangeFloat(gte=value, lte=value))
    if isinstance(value, str | int | bool):
        return FieldCondition(key, match=MatchValue(value))
    raise ValueError(f"Cannot filter field {key!r} on a {type(value).__name__} value: {value!r}")


def _in(key: str, values: Sequence[object]) -> Condition:
    homogeneous = _homogeneous(values)
    if homogeneous is not None:
        return FieldCondition(key, match=MatchAny(homogeneous))
    return Filter(should=[_equals(key, v) for v in values])


def _not_in(key: str, values: Sequence[object]) -> Condition:
    homogeneous = _homogeneous(values)
    if homogeneous is not None:
        # Like Qdrant: a point without the field does not match "ne"/"nin" either.
        return FieldCondition(key, match=MatchExcept(homogeneous))
    return Filter(must=[Filter(must_not=[IsEmptyCondition(key)])], must_not=[_equals(key, v) for v in values])


def _homogeneous(values: Sequence[object]) -> list[str] | list[int] | None:
    """The list as Edge's MatchAny/MatchExcept take it (all strings or all integers), else None."""
    strings = [v for v in values if isinstance(v, str)]
    if values and len(strings) == len(values):
        return strings
    integers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if values and len(integers) == len(values):
        return integers
    return None


def _as_list(key: str, op: str, operand: object) -> list[object]:
    if not isinstance(operand, list | tuple | set | frozenset):
        raise ValueError(
            f"Filter operator {op!r} on field {key!r} needs a list, got {type(operand).__name__}"
        )
    return list(operand)


def _range(key: str, bounds: Mapping[str, object]) -> FieldCondition:
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in bounds.values()):
        numbers = {op: float(v) for op, v in bounds.items() if isinstance(v, int | float)}
        return FieldCondition(key, range=RangeFloat(**numbers))
    texts = {op: _iso(v) for op, v in bounds.items()}
    if all(t is not None for t in texts.values()):
        return FieldCondition(key, range=RangeDateTime(**{op: t for op, t in texts.items() if t is not None}))
    raise ValueError(
        f"Range filter on field {key!r} needs numbers or ISO 8601 datetimes throughout, got {dict(bounds)!r}"
    )


def _iso(value: object) -> str | None:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return value
    return None


def _icontains(key: str, text: str) -> Filter:
    variants = dict.fromkeys([text, text.lower(), text.upper(), text.title(), text.capitalize()])
    options: list[Condition] = [FieldCondition(key, match=MatchSubstring(v)) for v in variants]
    options.append(FieldCondition(key, match=MatchText(text)))
    return Filter(should=options)

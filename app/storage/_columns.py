"""In-memory mirrors of a gallery's meta fields, one column per field, that evaluate filters.

SQLite is the durable store; these columns only answer "which slots pass this condition" as a
boolean mask, which is what the vector scan needs (vector-search.md §9: sub-millisecond to a few
milliseconds at 1M faces, where the same filters in SQL cost up to seconds). Unsigned values are
a uint64 array, strings a code array over a per-field dictionary, sets posting lists per value.
Columns are mutated and read under the owning gallery's lock.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from app.protocol import bad_param
from app.storage._meta import check_value
from app.storage._types import MetaFilter, MetaType, MetaValue

Mask = npt.NDArray[np.bool_]


class Column(abc.ABC):
    """One meta field over all slots of a gallery."""

    kind: MetaType

    @abc.abstractmethod
    def resize(self, capacity: int) -> None:
        """Make room for `capacity` slots (existing slots keep their values)."""

    @abc.abstractmethod
    def compact(self, keep: Mask, new_slot: npt.NDArray[np.int64]) -> None:
        """Keep only the slots in `keep`, renumbered to `new_slot` (capacity: what is kept)."""

    @abc.abstractmethod
    def put(self, slot: int, value: MetaValue | None) -> None:
        """Set the value of a slot that holds no value (new face, or after `remove`)."""

    def put_many(self, start: int, values: Sequence[MetaValue | None]) -> None:
        """`put` of consecutive slots from `start` (bulk inserts and start-up)."""
        for slot, value in enumerate(values, start):
            self.put(slot, value)

    @abc.abstractmethod
    def remove(self, slot: int, value: MetaValue | None) -> None:
        """Forget the value `value` of a slot (deleted face, or before an update)."""

    @abc.abstractmethod
    def mask(self, flt: MetaFilter, n: int) -> Mask:
        """Which of the first `n` slots pass `flt` (already validated by `check_filter`)."""


class UnsignedColumn(Column):
    """uint64 values plus a presence mask."""

    kind = MetaType.UNSIGNED

    def __init__(self) -> None:
        self.values = np.zeros(0, np.uint64)
        self.present = np.zeros(0, np.bool_)

    def resize(self, capacity: int) -> None:
        self.values = _resized(self.values, capacity)
        self.present = _resized(self.present, capacity)

    def compact(self, keep: Mask, new_slot: npt.NDArray[np.int64]) -> None:
        self.values = self.values[: len(keep)][keep]
        self.present = self.present[: len(keep)][keep]

    def put(self, slot: int, value: MetaValue | None) -> None:
        if isinstance(value, int):
            self.values[slot] = value
            self.present[slot] = True

    def put_many(self, start: int, values: Sequence[MetaValue | None]) -> None:
        stop = start + len(values)
        self.present[start:stop] = [isinstance(v, int) for v in values]
        self.values[start:stop] = [v if isinstance(v, int) else 0 for v in values]

    def remove(self, slot: int, value: MetaValue | None) -> None:
        self.present[slot] = False

    def mask(self, flt: MetaFilter, n: int) -> Mask:
        values = self.values[:n]
        if flt.op == "gte":
            passed = values >= np.uint64(_one_int(flt))
        elif flt.op == "lte":
            passed = values <= np.uint64(_one_int(flt))
        else:
            passed = np.isin(values, np.array(flt.values, np.uint64))
        return passed & self.present[:n]


class StringColumn(Column):
    """int32 codes into a per-field dictionary of strings; -1 marks an absent value."""

    kind = MetaType.STRING

    def __init__(self) -> None:
        self.codes = np.zeros(0, np.int32)
        self.code_of: dict[str, int] = {}
        self.words: list[str] = []
        self._word_array: npt.NDArray[np.str_] | None = None

    def resize(self, capacity: int) -> None:
        old = len(self.codes)
        self.codes = _resized(self.codes, capacity)
        self.codes[old:] = -1

    def compact(self, keep: Mask, new_slot: npt.NDArray[np.int64]) -> None:
        self.codes = self.codes[: len(keep)][keep]

    def put(self, slot: int, value: MetaValue | None) -> None:
        if isinstance(value, str):
            code = self.code_of.get(value)
            if code is None:
                code = self.code_of[value] = len(self.words)
                self.words.append(value)
                self._word_array = None
            self.codes[slot] = code

    def put_many(self, start: int, values: Sequence[MetaValue | None]) -> None:
        code_of = self.code_of
        for value in values:
            if isinstance(value, str) and value not in code_of:
                code_of[value] = len(self.words)
                self.words.append(value)
                self._word_array = None
        codes = [code_of[v] if isinstance(v, str) else -1 for v in values]
        self.codes[start : start + len(values)] = codes

    def remove(self, slot: int, value: MetaValue | None) -> None:
        self.codes[slot] = -1

    def mask(self, flt: MetaFilter, n: int) -> Mask:
        codes = self.codes[:n]
        if flt.op == "in":
            wanted = [
                self.code_of[v] for v in flt.values if isinstance(v, str) and v in self.code_of
            ]
            if len(wanted) <= 4:  # a few comparisons beat a gather through a table
                passed = np.zeros(n, np.bool_)
                for code in wanted:
                    passed |= codes == code
                return passed
        # A lookup table over the dictionary (plus a last False entry that code -1 selects).
        table = np.zeros(len(self.words) + 1, np.bool_)
        if flt.op == "in":
            table[wanted] = True
        else:
            if self._word_array is None:
                self._word_array = np.array(self.words, dtype=np.str_)
            bound = str(flt.values[0])
            table[:-1] = (
                (self._word_array >= bound) if flt.op == "gte" else (self._word_array <= bound)
            )
        return table[codes]


class SetColumn(Column):
    """Posting lists: for each value, the set of slots whose set contains it."""

    def __init__(self, kind: MetaType) -> None:
        self.kind = kind
        self.postings: dict[str | int, set[int]] = {}

    def resize(self, capacity: int) -> None:
        """Posting lists need no room per slot."""

    def compact(self, keep: Mask, new_slot: npt.NDArray[np.int64]) -> None:
        # Deleted slots are already gone from the posting lists; only the numbers change.
        self.postings = {v: {int(new_slot[s]) for s in slots} for v, slots in self.postings.items()}

    def put(self, slot: int, value: MetaValue | None) -> None:
        for item in value if isinstance(value, list) else ():
            self.postings.setdefault(item, set()).add(slot)

    def remove(self, slot: int, value: MetaValue | None) -> None:
        for item in value if isinstance(value, list) else ():
            slots = self.postings.get(item)
            if slots is not None:
                slots.discard(slot)
                if not slots:
                    del self.postings[item]

    def mask(self, flt: MetaFilter, n: int) -> Mask:
        lists = sorted((self.postings.get(v, set()) for v in flt.values), key=len)  # type: ignore[arg-type]
        if flt.op == "subset":  # the face's set contains every given value
            hits = lists[0].intersection(*lists[1:])
        else:  # "in": the face's set contains at least one given value
            hits = set().union(*lists)
        out = np.zeros(n, np.bool_)
        slots = np.fromiter(hits, np.int64, len(hits))
        out[slots[slots < n]] = True
        return out


def new_column(kind: MetaType) -> Column:
    """An empty column for a field of type `kind`."""
    if kind is MetaType.UNSIGNED:
        return UnsignedColumn()
    if kind is MetaType.STRING:
        return StringColumn()
    return SetColumn(kind)


_OPS: dict[MetaType, tuple[str, ...]] = {
    MetaType.UNSIGNED: ("gte", "lte", "in"),
    MetaType.STRING: ("gte", "lte", "in"),
    MetaType.SET_STRING: ("in", "subset"),
    MetaType.SET_UNSIGNED: ("in", "subset"),
}
_ELEMENT = {
    MetaType.UNSIGNED: MetaType.UNSIGNED,
    MetaType.STRING: MetaType.STRING,
    MetaType.SET_STRING: MetaType.STRING,
    MetaType.SET_UNSIGNED: MetaType.UNSIGNED,
}


def check_filter(kind: MetaType | None, flt: MetaFilter) -> MetaFilter:
    """`flt` with canonical values, else BAD_PARAM naming the query key `meta:<op>:<field>`.

    gte/lte take one value and apply to unsigned and string fields (strings compare by code
    point); "in" means equals one of (for set fields: shares at least one value); "subset"
    applies to set fields only and means the face's set contains every given value.
    """
    param = f"meta:{flt.op}:{flt.field}"
    if kind is None:
        raise bad_param(param, _shown(flt.values), f"unknown meta field {flt.field!r}")
    if flt.op not in _OPS[kind]:
        raise bad_param(
            param, _shown(flt.values), f"{flt.op!r} does not apply to {kind.value} fields"
        )
    if not flt.values or (flt.op in ("gte", "lte") and len(flt.values) != 1):
        raise bad_param(
            param,
            _shown(flt.values),
            f"{flt.op!r} needs {'one value' if flt.op in ('gte', 'lte') else 'values'}",
        )
    values = tuple(check_value(_ELEMENT[kind], v, param) for v in flt.values)
    return MetaFilter(field=flt.field, op=flt.op, values=values)


def _shown(values: Sequence[MetaValue]) -> MetaValue | tuple[MetaValue, ...]:
    return values[0] if len(values) == 1 else tuple(values)


def _one_int(flt: MetaFilter) -> int:
    value = flt.values[0]
    assert isinstance(value, int)
    return value


_Array = TypeVar("_Array", bound=npt.NDArray[Any])


def _resized(array: _Array, capacity: int) -> _Array:
    out: _Array = np.zeros(capacity, array.dtype)  # type: ignore[assignment]
    out[: len(array)] = array[:capacity]
    return out

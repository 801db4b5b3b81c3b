"""Facet values of the embedded engine's documents, two ways: pairs and value sets."""

from __future__ import annotations

from array import array

from ..base import FACETS

# Facet groups counted together through "value sets" (see ``Facets``): small groups share a
# column, so one pass over the candidates counts several of them.
SET_COLUMNS = (
    ("program", "tier", "budget_band", "client_size", "world_region"),
    ("accreditation", "language"),
    ("product",),
    ("country",),
    ("category",),
    ("city",),
    ("industry",),
    ("service",),
)
_COLUMN_OF = {facet: j for j, facets in enumerate(SET_COLUMNS) for facet in facets}
assert set(_COLUMN_OF) == set(FACETS), "every facet group belongs to one set column"


class Facets:
    """Every facet group's values, two ways, both appended in slot order.

    - *Pairs*: (slot, value code) in one code space for all groups, so one ``bincount`` over
      the candidates' pairs counts every group at once; per value, the slots holding it (to
      build filter masks in proportion to the selection).
    - *Value sets*: agencies repeat the same combinations (the same services, the same
      program and tier …), so per column of ``SET_COLUMNS`` each slot also gets the id of its
      combination of values, and each combination lists its value codes (``inc_set`` →
      ``inc_code``). Counting a big result is then one ``bincount`` of set ids per column
      plus one over the (few) combinations, instead of a pass over every pair.
    """

    def __init__(self) -> None:
        self.codes: dict[tuple[str, str], int] = {}
        self.code_facet: list[str] = []
        self.code_value: list[str] = []
        self.slots: list[array] = []  # code -> slots holding the value
        self.ptr = array("q", [0])  # pairs of slot s are pcode[ptr[s]:ptr[s + 1]]
        self.pcode = array("i")
        self.totals = array("q")  # code -> live slots holding the value
        self.set_ids: list[dict[tuple[int, ...], int]] = [{} for _ in SET_COLUMNS]
        self.set_column: list[array] = [array("i") for _ in SET_COLUMNS]  # slot -> set id
        self.inc_set: list[array] = [array("i") for _ in SET_COLUMNS]  # set id of each entry
        self.inc_code: list[array] = [array("i") for _ in SET_COLUMNS]  # value code of each

    def add(self, slot: int, doc: dict) -> None:
        """Append the pairs and value sets of a new slot (slots arrive in order)."""
        per_column: list[list[int]] = [[] for _ in SET_COLUMNS]
        for facet in FACETS:
            value = doc.get(facet)
            values = value if isinstance(value, list) else () if value is None else (value,)
            column = per_column[_COLUMN_OF[facet]]
            for item in dict.fromkeys(values):
                key = (facet, str(item))
                code = self.codes.get(key)
                if code is None:
                    code = self.codes[key] = len(self.code_value)
                    self.code_facet.append(facet)
                    self.code_value.append(key[1])
                    self.slots.append(array("i"))
                    self.totals.append(0)
                self.slots[code].append(slot)
                self.totals[code] += 1
                self.pcode.append(code)
                column.append(code)
        self.ptr.append(len(self.pcode))
        for j, codes in enumerate(per_column):
            key = tuple(codes)
            set_id = self.set_ids[j].get(key)
            if set_id is None:
                set_id = self.set_ids[j][key] = len(self.set_ids[j])
                self.inc_set[j].extend([set_id] * len(codes))
                self.inc_code[j].extend(codes)
            self.set_column[j].append(set_id)

    def remove(self, slot: int) -> None:
        """Take a dead slot's values out of the totals."""
        for index in range(self.ptr[slot], self.ptr[slot + 1]):
            self.totals[self.pcode[index]] -= 1

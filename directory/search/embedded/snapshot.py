"""The read model's snapshot as data only: a JSON header and raw typed columns, never pickle.

An index file sits on disk where anyone able to write it could otherwise plant code for every
worker to run at load time (``pickle.loads``). This format holds only strings, numbers and
``array`` buffers: loading one parses JSON and copies bytes, nothing else.

Layout: ``MAGIC``, the header's length (4 bytes, little endian), the header (JSON: format, log
position, scalars, string lists, and for each column its type code, offset and length), then
the columns' bytes one after the other. Nested structures (postings, exact keys, facet slots,
value sets) are flattened into one lengths column and one concatenated values column.
"""

from __future__ import annotations

import json
import struct
from array import array

import numpy as np

from .facets import SET_COLUMNS, Facets
from .model import Model

MAGIC = b"DIRSNAP1"
FORMAT = 5  # bump when Model's attributes change: older snapshots are then ignored
ARRAYS = ("ids", "tier", "bayes", "reviews", "created", "rating", "lat", "lng", "quality")
STRINGS = ("name", "tagline", "name_sort")
# Model attributes this format stores or derives; a new one must be added here (see dumps).
MODEL_STATE = {*ARRAYS, *STRINGS, "n", "slot_of", "alive", "postings", "exact", "facets", "version"}
FACETS_STATE = {
    "codes", "code_facet", "code_value", "slots", "ptr", "pcode", "totals",
    "set_ids", "set_column", "inc_set", "inc_code",
}  # fmt: skip


class SnapshotError(ValueError):
    """The bytes are not a snapshot of this format."""


class _Columns:
    """Typed columns appended into one buffer, with their places for the header."""

    def __init__(self) -> None:
        self.places: dict[str, list] = {}
        self.chunks: list[bytes] = []
        self.size = 0

    def put(self, name: str, column: array) -> None:
        data = column.tobytes()
        self.places[name] = [column.typecode, self.size, len(column)]
        self.chunks.append(data)
        self.size += len(data)

    def put_nested(self, name: str, typecode: str, columns) -> None:
        """A list of same-typed columns: their lengths, then their values end to end."""
        lengths, values = array("q"), array(typecode)
        for column in columns:
            lengths.append(len(column))
            values.extend(column)
        self.put(f"{name}.len", lengths)
        self.put(f"{name}.values", values)


def dumps(model: Model, seq: int) -> bytes:
    """The snapshot of ``model`` as of log position ``seq``."""
    missing = set(model.__getstate__()) - MODEL_STATE
    missing |= set(vars(model.facets)) - FACETS_STATE
    if missing:  # a new attribute would silently be lost on load
        raise SnapshotError(f"snapshot format does not store {sorted(missing)}")
    columns = _Columns()
    for name in ARRAYS:
        columns.put(name, getattr(model, name))
    columns.put("alive", array("B", model.alive))
    terms = list(model.postings)
    fields = array("B")
    per_term = array("B")
    entries = []
    for term in terms:
        by_field = model.postings[term]
        per_term.append(len(by_field))
        for field, pair in by_field.items():
            fields.append(field)
            entries.append(pair)
    columns.put("postings.fields", per_term)
    columns.put("postings.field", fields)
    columns.put_nested("postings.slots", "i", (slots for slots, _ in entries))
    columns.put_nested("postings.positions", "H", (positions for _, positions in entries))
    columns.put_nested("exact", "i", model.exact.values())
    facets = model.facets
    columns.put_nested("facets.slots", "i", facets.slots)
    for name in ("ptr", "pcode", "totals"):
        columns.put(f"facets.{name}", getattr(facets, name))
    for j in range(len(SET_COLUMNS)):
        columns.put(f"facets.set_column.{j}", facets.set_column[j])
        columns.put(f"facets.inc_set.{j}", facets.inc_set[j])
        columns.put(f"facets.inc_code.{j}", facets.inc_code[j])
        columns.put_nested(f"facets.set_ids.{j}", "i", (array("i", k) for k in facets.set_ids[j]))
    header = {
        "format": FORMAT,
        "seq": seq,
        "n": model.n,
        "version": model.version,
        "strings": {name: getattr(model, name) for name in STRINGS},
        "terms": terms,
        "exact": list(model.exact),
        "code_facet": facets.code_facet,
        "code_value": facets.code_value,
        "columns": columns.places,
    }
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    return b"".join([MAGIC, struct.pack("<I", len(head)), head, *columns.chunks])


class _Reader:
    def __init__(self, blob: bytes, places: dict, start: int) -> None:
        self.data = memoryview(blob)[start:]
        self.places = places

    def get(self, name: str) -> array:
        typecode, offset, length = self.places[name]
        column = array(typecode)
        end = offset + length * column.itemsize
        if end > len(self.data):
            raise SnapshotError(f"column {name} is truncated")
        column.frombytes(self.data[offset:end])
        return column

    def nested(self, name: str) -> list[array]:
        lengths = self.get(f"{name}.len")
        values = self.get(f"{name}.values")
        typecode, size = values.typecode, values.itemsize
        raw = memoryview(values).cast("B")
        out, start = [], 0
        for length in lengths:
            column = array(typecode)
            column.frombytes(raw[start * size : (start + length) * size])
            out.append(column)
            start += length
        return out


def loads(blob: bytes) -> tuple[Model, int]:
    """The model and log position stored by ``dumps``; ``SnapshotError`` for anything else."""
    blob = bytes(blob)
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 4:
        raise SnapshotError("not a snapshot of this format")
    (size,) = struct.unpack_from("<I", blob, len(MAGIC))
    start = len(MAGIC) + 4
    try:
        header = json.loads(blob[start : start + size])
    except ValueError as exc:
        raise SnapshotError("unreadable snapshot header") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotError(f"snapshot format {header.get('format')}")
    try:
        return _build(header, _Reader(blob, header["columns"], start + size))
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"inconsistent snapshot ({exc})") from exc


def _build(header: dict, columns: _Reader) -> tuple[Model, int]:
    model = Model()
    model.n, model.version = int(header["n"]), int(header["version"])
    for name in ARRAYS:
        setattr(model, name, columns.get(name))
    for name in STRINGS:
        setattr(model, name, list(header["strings"][name]))
    model.alive = bytearray(columns.get("alive").tobytes())
    if not len(model.ids) == len(model.alive) == len(model.name) == model.n:
        raise SnapshotError("columns of different lengths")
    live = np.flatnonzero(np.frombuffer(bytes(model.alive), dtype=np.uint8))
    model.slot_of = dict(zip(np.asarray(model.ids)[live].tolist(), live.tolist(), strict=True))
    slots = iter(columns.nested("postings.slots"))
    positions = iter(columns.nested("postings.positions"))
    fields = iter(columns.get("postings.field"))
    postings = model.postings
    for term, count in zip(header["terms"], columns.get("postings.fields"), strict=True):
        postings[term] = {next(fields): (next(slots), next(positions)) for _ in range(count)}
    model.exact = dict(zip(header["exact"], columns.nested("exact"), strict=True))
    model.facets = _facets(header, columns)
    model._init_caches()  # the vocabulary (from the postings) and empty query caches
    return model, int(header["seq"])


def _facets(header: dict, columns: _Reader) -> Facets:
    facets = Facets()
    facets.code_facet = list(header["code_facet"])
    facets.code_value = list(header["code_value"])
    pairs = zip(facets.code_facet, facets.code_value, strict=True)
    facets.codes = {key: code for code, key in enumerate(pairs)}
    facets.slots = columns.nested("facets.slots")
    for name in ("ptr", "pcode", "totals"):
        setattr(facets, name, columns.get(f"facets.{name}"))
    for j in range(len(SET_COLUMNS)):
        facets.set_column[j] = columns.get(f"facets.set_column.{j}")
        facets.inc_set[j] = columns.get(f"facets.inc_set.{j}")
        facets.inc_code[j] = columns.get(f"facets.inc_code.{j}")
        sets = columns.nested(f"facets.set_ids.{j}")
        facets.set_ids[j] = {tuple(codes): set_id for set_id, codes in enumerate(sets)}
    return facets

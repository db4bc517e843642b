"""Bytes of a places file (CSV or JSON) into rows, with the format recognised from its columns.

Anything malformed stops here with one clear message naming the file and the problem, so
that a broken download never reaches the database.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from bot.places import france_services, standard

FORMATS = ("auto", "standard", "france-services")
COORDINATES = frozenset({"latitude", "longitude"})


class PlacesSourceError(RuntimeError):
    """The source cannot be imported; the message names it and says what is wrong."""


@dataclass
class Table:
    name: str
    format: str
    rows: list[dict | None]
    """One entry per record; None for a record that is not an object (JSON) or whose
    number of fields is wrong (CSV): `bad_rows` says why."""
    bad_rows: dict[int, str] = field(default_factory=dict)


def decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise PlacesSourceError(f"{name}: the file is empty")
    if b"\x00" in data[:4096]:
        raise PlacesSourceError(f"{name}: this is not a text file (CSV or JSON expected)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse(data: bytes, name: str, fmt: str = "auto") -> Table:
    if fmt not in FORMATS:
        raise PlacesSourceError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    text = decode(data, name).lstrip()
    if text.startswith("<"):
        raise PlacesSourceError(f"{name}: this looks like a web page, not a CSV or JSON file")
    table = _json(text, name) if text.startswith(("[", "{")) else _csv(text, name)
    table.format = _format(table, fmt)
    return table


def _json(text: str, name: str) -> Table:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlacesSourceError(
            f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (ValueError, RecursionError) as exc:  # a number of 4,300 digits, [[[[[[…
        raise PlacesSourceError(f"{name}: JSON that cannot be read as places ({exc})") from None
    if isinstance(document, dict) and isinstance(document.get("features"), list):
        document = [_feature(f) for f in document["features"]]
    if not isinstance(document, list):
        raise PlacesSourceError(f"{name}: expected a JSON array of places (or GeoJSON features)")
    table = Table(name, "", [])
    for number, item in enumerate(document, start=1):
        if isinstance(item, dict):
            table.rows.append(item)
        else:
            table.rows.append(None)
            table.bad_rows[number] = "not a JSON object"
    return table


def _feature(feature: object) -> object:
    """A GeoJSON point feature as a flat row (`latitude`/`longitude` from its geometry)."""
    if not isinstance(feature, dict):
        return feature
    properties, geometry = feature.get("properties"), feature.get("geometry")
    row = dict(properties) if isinstance(properties, dict) else {}
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if isinstance(coordinates, list) and len(coordinates) >= 2:
        row.setdefault("longitude", coordinates[0])
        row.setdefault("latitude", coordinates[1])
    return row


def _csv(text: str, name: str) -> Table:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        first = next(reader, None)
        if first is None:
            raise PlacesSourceError(f"{name}: the file is empty")
        header = [column.strip() for column in first]
        records = list(reader)
    except csv.Error as exc:
        raise PlacesSourceError(f"{name}: not valid CSV (line {reader.line_num}: {exc})") from None
    duplicated = sorted({c for c in header if header.count(c) > 1 and c})
    if duplicated:
        raise PlacesSourceError(f"{name}: columns appear twice: {', '.join(duplicated)}")
    table = Table(name, "", [])
    for record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            table.rows.append(None)
            table.bad_rows[len(table.rows)] = (
                f"wrong number of fields ({len(record)} instead of {len(header)})"
            )
            continue
        table.rows.append(dict(zip(header, record, strict=True)))
    return table


def _columns(table: Table) -> set[str]:
    found: set[str] = set()
    for row in table.rows[:200]:
        if row:
            found.update(row)
    return found


def _format(table: Table, fmt: str) -> str:
    columns = _columns(table)
    if not columns:
        raise PlacesSourceError(f"{table.name}: no places in the file")
    wanted = {
        "standard": standard.COLUMNS | COORDINATES,
        "france-services": france_services.COLUMNS,
    }
    if fmt == "auto":
        for candidate in ("france-services", "standard"):
            if wanted[candidate] <= columns:
                return candidate
        shown = ", ".join(sorted(columns)[:12])
        raise PlacesSourceError(
            f"{table.name}: the columns are neither the national standard's "
            "(id, nom, latitude, longitude…) nor the France Services list's "
            f"(id_fs, lib_fs, h_lundi…); found: {shown}"
        )
    missing = wanted[fmt] - columns
    if missing:
        raise PlacesSourceError(
            f"{table.name}: missing columns for the {fmt} format: {', '.join(sorted(missing))}"
        )
    return fmt

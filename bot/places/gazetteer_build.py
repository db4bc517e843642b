"""`relais places gazetteer build SOURCE`: the communes file shipped inside the package.

The source is the project's `communes-france-2024.csv` (INSEE COG 2024, INSEE comparateur
de territoires, La Poste base officielle des codes postaux; Licence Ouverte / Etalab 2.0),
one row per (commune, postal code). The output, `bot/places/data/communes.bin.gz`, holds
one record per commune name and packed lookups, so that loading it parses nothing:

- records: `name  département  kind  postal codes  borrowed` lines, sorted by grid cell;
- positions (×1e5) and populations as 32-bit integer arrays;
- `\nkey\tindices` lines for search keys, postal codes and grid cells, found with one
  `bytes.find` each.

`kind` is C (commune), A (arrondissement of Paris, Lyon, Marseille), D (former commune,
`commune déléguée`) or V (Paris, Lyon, Marseille as a whole: every arrondissement's code,
the position weighted by population). `borrowed` is 1 when the source gives no position
and the commune takes the centre of the other communes of its postal code.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import sys
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.places.geo import name_key, without_article

OUTPUT = Path(__file__).resolve().parent / "data" / "communes.bin.gz"
MAGIC = b"RELAIS-COMMUNES\n"
CELL = 0.1
"""Degrees of the grid cells the records are sorted by: a location looks at a few cells."""
COLUMNS = ("code_insee", "nom", "code_postal", "type", "departement", "latitude", "longitude")
KINDS = {"COM": "C", "ARM": "A", "COMD": "D"}
CITIES = {"75056": "Paris", "69123": "Lyon", "13055": "Marseille"}


class GazetteerSourceError(RuntimeError):
    """The source file is not the communes CSV this build expects."""


@dataclass
class _Commune:
    name: str
    departement: str
    kind: str
    lat: float | None
    lon: float | None
    population: int
    parent: str
    codes: list[str] = field(default_factory=list)
    borrowed: bool = False


def _read(path: Path) -> dict[tuple[str, str, str], _Commune]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GazetteerSourceError(f"{path}: cannot read it ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise GazetteerSourceError(f"{path}: missing columns {', '.join(missing)}")
    communes: dict[tuple[str, str, str], _Commune] = {}
    for row in reader:
        kind = KINDS.get(row["type"])
        code = row["code_postal"].strip()
        if kind is None or len(code) != 5 or not code.isdigit():
            continue
        key = (row["code_insee"], row["nom"], kind)
        commune = communes.get(key)
        if commune is None:
            lat, lon = row["latitude"].strip(), row["longitude"].strip()
            commune = _Commune(
                row["nom"],
                row["departement"],
                kind,
                float(lat) if lat else None,
                float(lon) if lon else None,
                int(row.get("population_2021") or 0),
                row.get("code_insee_parent", ""),
            )
            communes[key] = commune
        if code not in commune.codes:
            commune.codes.append(code)
    return communes


def _borrow_positions(communes: list[_Commune]) -> None:
    """A commune without a position takes the centre of its postal codes' other communes."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c in communes:
        if c.lat is not None and c.lon is not None:
            for code in c.codes:
                points[code].append((c.lat, c.lon))
    for c in communes:
        if c.lat is None or c.lon is None:
            near = [p for code in c.codes for p in points[code]]
            if near:
                c.lat = sum(p[0] for p in near) / len(near)
                c.lon = sum(p[1] for p in near) / len(near)
                c.borrowed = True


def _cities(communes: list[_Commune]) -> list[_Commune]:
    """Paris, Lyon and Marseille as a whole, from their arrondissements."""
    out = []
    for insee, name in CITIES.items():
        parts = [c for c in communes if c.kind == "A" and c.parent == insee and c.lat is not None]
        if not parts:
            continue
        people = sum(c.population for c in parts) or len(parts)
        weight = [(c.population or 1) / people for c in parts]
        lat = sum(c.lat * w for c, w in zip(parts, weight, strict=True))
        lon = sum(c.lon * w for c, w in zip(parts, weight, strict=True))
        codes = sorted({code for c in parts for code in c.codes})
        city = _Commune(name, parts[0].departement, "V", lat, lon, people, "", codes)
        out.append(city)
    return out


def build(source: Path, output: Path = OUTPUT) -> tuple[int, int, int]:
    """Write the packed file; returns (communes written, postal codes, bytes)."""
    communes = list(_read(source).values())
    if not communes:
        raise GazetteerSourceError(f"{source}: no commune in the file")
    _borrow_positions(communes)
    communes += _cities(communes)
    placed = [c for c in communes if c.lat is not None and c.lon is not None]
    placed.sort(key=lambda c: (cell(c.lat, c.lon), c.name))
    data = gzip.compress(pack(placed), compresslevel=9, mtime=0)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    return len(placed), len({code for c in placed for code in c.codes}), len(data)


def cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL), math.floor(lon / CELL)


def _lookup(table: dict[str, list[int]]) -> bytes:
    """`\nkey\t1,2` lines: found with one bytes.find, no parsing at load time."""
    lines = [f"\n{k}\t{','.join(map(str, v))}" for k, v in sorted(table.items())]
    return "".join(lines).encode() + b"\n"


def pack(communes: list[_Commune]) -> bytes:
    records, offsets = bytearray(), array("i", [0])
    lat, lon, population = array("i"), array("i"), array("i")
    keys: dict[str, list[int]] = defaultdict(list)
    codes: dict[str, list[int]] = defaultdict(list)
    cells: dict[str, list[int]] = {}
    for index, c in enumerate(communes):
        line = "\t".join(
            (c.name, c.departement, c.kind, ",".join(sorted(c.codes)), "1" if c.borrowed else "")
        )
        records += line.encode() + b"\n"
        offsets.append(len(records))
        lat.append(round(c.lat * 1e5))
        lon.append(round(c.lon * 1e5))
        population.append(c.population)
        key = name_key(c.name)
        for alias in dict.fromkeys((key, without_article(key))):
            keys[alias].append(index)
        for code in c.codes:
            codes[code].append(index)
        row, col = cell(c.lat, c.lon)
        span = cells.setdefault(f"{row},{col}", [index, index + 1])
        span[1] = index + 1
    sections = {
        "records": bytes(records),
        "offsets": offsets.tobytes(),
        "lat": lat.tobytes(),
        "lon": lon.tobytes(),
        "population": population.tobytes(),
        "keys": _lookup(keys),
        "codes": _lookup(codes),
        "cells": _lookup(cells),
    }
    header = {"version": 1, "byteorder": sys.byteorder, "count": len(communes), "cell": CELL}
    header["sections"] = [[name, len(blob)] for name, blob in sections.items()]
    return MAGIC + json.dumps(header).encode() + b"\n" + b"".join(sections.values())

"""Every commune and postal code of France, offline, from the file shipped in the package.

`communes()` loads `data/communes.bin.gz` once, on first use: it decompresses the packed
file and reads its integer arrays, nothing more (see `gazetteer_build` for the layout).
Lookups search the packed tables with `bytes.find`, and decode only the records they return.
The file is built by `relais places gazetteer build` (see `gazetteer_build` and docs/places.md).
"""

from __future__ import annotations

import json
import math
import sys
import zlib
from array import array
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

from bot.places.geo import haversine_km

FILE = "communes.bin.gz"
MAGIC = b"RELAIS-COMMUNES\n"
LAND_KM = 15.0
"""A shared location farther than this from every commune centre is not on French land."""


class GazetteerMissing(RuntimeError):
    """The package was built without its communes file."""


@dataclass(frozen=True, slots=True)
class Commune:
    """One commune (or arrondissement, or former commune) as the file describes it."""

    index: int
    name: str
    departement: str
    kind: str  # C commune, A arrondissement, D former commune, V city of arrondissements
    codes: tuple[str, ...]
    lat: float
    lon: float
    population: int
    borrowed: bool

    @property
    def postal_code(self) -> str:
        return self.codes[0] if self.codes else ""

    def label(self, *, departement: bool = False) -> str:
        """`Drancy (93700)`; with several codes, or when asked, `Saint-Denis (93)`."""
        if len(self.codes) == 1 and not departement:
            return f"{self.name} ({self.codes[0]})"
        return f"{self.name} ({self.departement})"


def _indices(raw: bytes) -> list[int]:
    return [int(i) for i in raw.split(b",")]


class Communes:
    """The packed file as it is (about 4 MB): records are decoded only when asked for."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(MAGIC):
            raise GazetteerMissing(f"bot/places/data/{FILE} is not a communes file: rebuild it")
        end = data.index(b"\n", len(MAGIC))
        header = json.loads(data[len(MAGIC) : end])
        position, spans = end + 1, {}
        for name, size in header["sections"]:
            spans[name] = (position, position + size)
            position += size
        view = memoryview(data)
        arrays = {}
        for name in ("offsets", "lat", "lon", "population"):
            arrays[name] = array("i")
            arrays[name].frombytes(view[slice(*spans[name])])
            if header["byteorder"] != sys.byteorder:
                arrays[name].byteswap()
        view.release()
        self._data = data
        """The whole file, kept as one bytes object: sections are spans of it, not copies."""
        self._records = spans["records"][0]
        self._offsets, self._population = arrays["offsets"], arrays["population"]
        self._lat, self._lon = arrays["lat"], arrays["lon"]
        self._keys, self._codes, self._cells = spans["keys"], spans["codes"], spans["cells"]
        self._cell = float(header["cell"])
        self.count = int(header["count"])

    def __len__(self) -> int:
        return self.count

    def get(self, index: int) -> Commune:
        start = self._records + self._offsets[index]
        line = self._data[start : self._records + self._offsets[index + 1] - 1].decode()
        name, dept, kind, codes, borrowed = line.split("\t")
        lat, lon = self._lat[index] / 1e5, self._lon[index] / 1e5
        population = self._population[index]
        return Commune(
            index, name, dept, kind, tuple(codes.split(",")), lat, lon, population, bool(borrowed)
        )

    def _find(self, table: tuple[int, int], key: str) -> list[int]:
        if "\n" in key or "\t" in key:
            return []
        needle = b"\n" + key.encode() + b"\t"
        start = self._data.find(needle, *table)
        if start < 0:
            return []
        start += len(needle)
        return _indices(self._data[start : self._data.index(b"\n", start)])

    def by_postal_code(self, code: str) -> list[Commune]:
        """The communes of a postal code, most populous first (former communes last)."""
        found = [self.get(i) for i in self._find(self._codes, code)]
        return sorted(found, key=lambda c: (c.kind == "D", -c.population, c.name))

    def by_key(self, key: str) -> list[Commune]:
        """The communes named so (`saint denis`), most populous first."""
        return sorted((self.get(i) for i in self._find(self._keys, key)), key=_bigger)

    def starting_with(self, key: str, limit: int = 5) -> list[Commune]:
        """The most populous communes whose name is `key` followed by more words."""
        if not key or "\n" in key or "\t" in key:
            return []
        data, (first, last) = self._data, self._keys
        needle = b"\n" + key.encode() + b" "
        found: set[int] = set()
        start = data.find(needle, first, last)
        while start >= 0:
            tab = data.index(b"\t", start)
            end = data.index(b"\n", tab)
            found.update(_indices(data[tab + 1 : end]))
            start = data.find(needle, end, last)
        ranked = sorted(found, key=lambda i: -self._population[i])
        return [self.get(i) for i in ranked[:limit]]

    def _lines(self, table: tuple[int, int]) -> list[str]:
        raw = self._data[table[0] : table[1]]
        return [line.split(b"\t", 1)[0].decode() for line in raw.split(b"\n") if line]

    @cached_property
    def keys(self) -> list[str]:
        """Every search key (for suggestions), decoded on first need."""
        return self._lines(self._keys)

    @cached_property
    def postal_codes(self) -> list[str]:
        return self._lines(self._codes)

    @cached_property
    def departements(self) -> frozenset[str]:
        return frozenset(
            code[:3] if code.startswith("97") else code[:2] for code in self.postal_codes
        )

    def nearest(self, lat: float, lon: float) -> tuple[Commune, float] | None:
        """The commune whose centre is nearest, with its distance; None when none is within
        LAND_KM (at sea, abroad)."""
        size = self._cell
        row, col = math.floor(lat / size), math.floor(lon / size)
        cos = max(math.cos(math.radians(lat)), 0.2)
        reach_row = math.ceil(LAND_KM / (111.2 * size))
        reach_col = math.ceil(LAND_KM / (111.2 * size * cos))
        best: tuple[float, int] | None = None
        for i in range(row - reach_row, row + reach_row + 1):
            for j in range(col - reach_col, col + reach_col + 1):
                span = self._find(self._cells, f"{i},{j}")
                for index in range(*span) if span else ():
                    d = haversine_km(lat, lon, self._lat[index] / 1e5, self._lon[index] / 1e5)
                    if best is None or d < best[0]:
                        best = (d, index)
        if best is None or best[0] > LAND_KM:
            return None
        return self.get(best[1]), best[0]


def _bigger(commune: Commune) -> tuple[int, int]:
    return -commune.population, commune.index


@cache
def communes() -> Communes:
    """The gazetteer, loaded on first use and kept for the life of the process."""
    try:
        data = resources.files("bot.places").joinpath("data", FILE).read_bytes()
    except (FileNotFoundError, ModuleNotFoundError):
        raise GazetteerMissing(
            f"bot/places/data/{FILE} is missing: run `relais places gazetteer build "
            "communes-france-2024.csv` (see docs/places.md)"
        ) from None
    size = int.from_bytes(data[-4:], "little")  # gzip's own record of the unpacked size
    return Communes(zlib.decompress(data, wbits=31, bufsize=size))

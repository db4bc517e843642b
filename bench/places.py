"""Benchmark of the places: gazetteer, import and nearest-places query on 20,000 places.

The real open data files (tests/data/lieux/) are repeated with shifted coordinates and
ids until there are 20,000 rows, imported into a file-backed SQLite database, then queried
from random points near the places. Beside each figure, a baseline measured in the same
run on the same machine: a plain CSV/JSON-to-SQLite import (no checks, no hours, no
vocabulary) and a linear scan of every place per query. Prints figures and whether the
targets of issue 16 are met; it is not a test.

    python bench/places.py [--places 20000] [--queries 5000] [--data DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import heapq
import io
import json
import os
import platform
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
import zlib
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from bot.places.cards import card
from bot.places.communes import FILE, Communes, communes
from bot.places.geo import haversine_km
from bot.places.hours import PARIS
from bot.places.importer import import_source
from bot.places.locate import locate
from bot.places.search import TOPICS, PlaceIndex
from bot.store import open_database

DATA = Path(__file__).resolve().parents[1] / "tests/data/lieux"
JSON_FILES = ("ile-de-france-2022.json", "provence-alpes-cote-d-azur-2023.json")
FS_FILE = "france-services-2022-12-01.csv"


def shifted_copies(data: Path, wanted: int, folder: Path) -> tuple[list[Path], int]:
    """Copies of the real files, copy k moved by k × (0.02°, 0.03°), until `wanted` rows."""
    files, rows, copy = [], 0, 0
    fs_text = (data / FS_FILE).read_text(encoding="utf-8")
    originals = {name: json.loads((data / name).read_text()) for name in JSON_FILES}
    while rows < wanted:
        dlat, dlon = 0.02 * copy, 0.03 * copy
        for name, places in originals.items():
            moved = []
            for place in places:
                place = dict(place, id=f"{place['id']}-{copy}")
                if isinstance(place.get("latitude"), float):
                    place["latitude"] += dlat
                    place["longitude"] += dlon
                moved.append(place)
            path = folder / f"{copy}-{name}"
            path.write_text(json.dumps(moved, ensure_ascii=False))
            files.append(path)
            rows += len(moved)
        reader = csv.DictReader(io.StringIO(fs_text))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            row["id_fs"] = f"{row['id_fs']}-{copy}"
            if row["latitude"]:
                row["latitude"] = str(float(row["latitude"]) + dlat)
                row["longitude"] = str(float(row["longitude"]) + dlon)
            writer.writerow(row)
            rows += 1
        path = folder / f"{copy}-{FS_FILE}"
        path.write_text(out.getvalue(), encoding="utf-8")
        files.append(path)
        copy += 1
    return files, rows


def bare_loop(n: int = 20_000) -> float:
    """Seconds for a bare Python loop of n float operations: this machine's own ceiling."""
    started = time.perf_counter()
    total = 0.0
    for i in range(n):
        total += i * 0.5
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def gazetteer() -> tuple[float, float, float]:
    """Seconds to load the embedded communes file, MB it keeps, MB at its peak."""
    raw = resources.files("bot.places").joinpath("data", FILE).read_bytes()
    tracemalloc.start()
    started = time.perf_counter()
    size = int.from_bytes(raw[-4:], "little")
    loaded = Communes(zlib.decompress(raw, wbits=31, bufsize=size))
    seconds = time.perf_counter() - started
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(loaded) > 35_000
    return seconds, kept / 2**20, peak / 2**20


async def plain_import(files: list[Path], folder: Path) -> float:
    """The baseline: rows straight into a table, no checks, one transaction per file."""
    db = await open_database(folder / "plain.db")
    started = time.perf_counter()
    await db.conn.execute("CREATE TABLE plain (source TEXT, id TEXT, row TEXT)")
    for path in files:
        text = path.read_text(encoding="utf-8")
        rows = (
            json.loads(text) if path.suffix == ".json" else list(csv.DictReader(io.StringIO(text)))
        )
        await db.conn.executemany(
            "INSERT INTO plain VALUES (?, ?, ?)",
            [(path.name, str(r.get("id") or r.get("id_fs")), json.dumps(r)) for r in rows],
        )
        await db.conn.commit()
    seconds = time.perf_counter() - started
    await db.close()
    return seconds


def linear_nearest(index: PlaceIndex, lat: float, lon: float) -> list:
    """The baseline: the distance to every place, the 3 nearest."""
    return heapq.nsmallest(3, ((haversine_km(lat, lon, p.lat, p.lon), p.key) for p in index.places))


def verdict(value: float, target: float) -> str:
    return "met" if value < target else "NOT MET"


async def main(places: int, queries: int, data: Path) -> None:
    load_seconds_gazetteer, kept_mb, peak_gazetteer_mb = gazetteer()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        files, rows = shifted_copies(data, places, folder)
        plain_seconds = await plain_import(files, folder)
        db = await open_database(folder / "bench.db")
        started = time.perf_counter()
        imported = 0
        for path in files:
            report = await import_source(db, str(path))
            imported += report.imported
        import_seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = 0
        for path in files:
            again += (await import_source(db, str(path))).unchanged
        reimport_seconds = time.perf_counter() - started
        started = time.perf_counter()
        index = await PlaceIndex.load(db)
        load_seconds = time.perf_counter() - started
        await db.close()

    rng = random.Random(6)
    monday = datetime(2026, 11, 9, tzinfo=PARIS)
    jobs = []
    for _ in range(queries):
        anchor = rng.choice(index.places)
        where = index.at(
            anchor.lat + rng.uniform(-0.05, 0.05), anchor.lon + rng.uniform(-0.05, 0.05)
        )
        now = monday + timedelta(minutes=rng.randrange(7 * 24 * 60))
        jobs.append((where, rng.choice((*TOPICS, None)), rng.choice(("fr", "en", "ar")), now))
    for where, need, lang, now in jobs[:200]:
        index.nearest(where, need, lang, now)
    latencies, found = [], 0
    for where, need, lang, now in jobs:
        started = time.perf_counter()
        ranked = index.nearest(where, need, lang, now)
        latencies.append(time.perf_counter() - started)
        found += len(ranked)
    scans = []
    for where, _, _, _ in jobs[:500]:
        started = time.perf_counter()
        linear_nearest(index, where.lat, where.lon)
        scans.append(time.perf_counter() - started)
    lookups = []
    for code in random.Random(7).sample(communes().postal_codes, 500):
        started = time.perf_counter()
        locate(code)
        lookups.append(time.perf_counter() - started)
    card_times = []
    for where, need, lang, now in jobs[:1000]:
        ranked = index.nearest(where, need, lang, now)
        started = time.perf_counter()
        for item in ranked:
            card(item, lang, now, compact=True)
        card_times.append(time.perf_counter() - started)

    baseline = min(bare_loop() for _ in range(5))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ms = 1000
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print(f"bare loop baseline: 20,000 float additions in {baseline * ms:.2f} ms")
    print(
        f"rows read: {rows} in {len(files)} files; places imported: {imported}; "
        f"in the index: {len(index)}"
    )
    print(
        f"gazetteer load: {load_seconds_gazetteer * ms:.1f} ms (target < 50 ms: "
        f"{verdict(load_seconds_gazetteer, 0.05)}); memory kept {kept_mb:.1f} MB, peak while "
        f"loading {peak_gazetteer_mb:.1f} MB (target < 10 MB: {verdict(peak_gazetteer_mb, 10)})"
    )
    print(
        f"postal code lookup, 500 codes: p50 {statistics.median(lookups) * ms:.3f} ms, "
        f"p99 {percentile(lookups, 0.99) * ms:.3f} ms"
    )
    print(
        f"import: {import_seconds:.2f} s (target < 2 s: {verdict(import_seconds, 2)}); "
        f"plain CSV/JSON-to-SQLite baseline, same rows: {plain_seconds:.2f} s "
        f"(import / baseline: {import_seconds / plain_seconds:.1f}×); "
        f"re-import (all unchanged: {again}): {reimport_seconds:.2f} s"
    )
    print(f"index load at start-up: {load_seconds:.2f} s")
    p99 = percentile(latencies, 0.99)
    print(
        f"nearest (rank + opening state), {queries} queries: "
        f"p50 {statistics.median(latencies) * ms:.3f} ms, "
        f"p99 {p99 * ms:.3f} ms (target < 1 ms: {verdict(p99, 0.001)}), "
        f"max {max(latencies) * ms:.3f} ms; {found / queries:.2f} places per answer"
    )
    print(
        f"linear scan baseline (distance to every place, 3 nearest), 500 queries: "
        f"p50 {statistics.median(scans) * ms:.3f} ms, p99 {percentile(scans, 0.99) * ms:.3f} ms"
    )
    print(
        f"3 SMS cards: p50 {statistics.median(card_times) * ms:.3f} ms, "
        f"p99 {percentile(card_times, 0.99) * ms:.3f} ms"
    )
    print(f"peak memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=5_000)
    parser.add_argument("--data", type=Path, default=DATA)
    options = parser.parse_args()
    asyncio.run(main(options.places, options.queries, options.data))

"""Import a places file or URL into SQLite: rows checked one by one, one transaction per import.

Each import of a source is complete: places new to it are inserted, changed ones updated,
the ones that disappeared from it removed, all in one write transaction; importing the same
file twice changes nothing. A row that cannot be used is skipped and the report says why.
"""

from __future__ import annotations

import asyncio
import csv
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.places import france_services, standard
from bot.places.model import COLUMNS, Place
from bot.places.readers import PlacesSourceError, Table, parse
from bot.places.values import BadValue
from bot.store import Database

DEFAULT_URL = "https://www.data.gouv.fr/api/1/datasets/r/398edc71-0d51-4cb6-9cbe-2540a4db573c"
"""The national list of mediation places on data.gouv.fr (check it: see docs/places.md);
RELAIS_PLACES_URL (Settings.places_url) replaces it."""

DOWNLOAD_TIMEOUT = 60.0
MAX_DOWNLOAD = 200 * 1024 * 1024


@dataclass(frozen=True)
class RowProblem:
    row: int
    id: str
    action: str  # "skipped" or "kept"
    reason: str


@dataclass
class ImportReport:
    source: str
    format: str = ""
    read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    problems: list[RowProblem] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> dict:
        return {
            "read": self.read,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": dict(self.skipped.most_common()),
            "kept_with_warning": dict(self.warnings.most_common()),
        }

    def summary(self) -> str:
        lines = [
            f"{self.source} ({self.format}): {self.read} rows read, {self.imported} new, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.removed} removed, "
            f"{sum(self.skipped.values())} skipped ({self.seconds:.2f} s)"
        ]
        lines += [f"  skipped, {reason}: {n}" for reason, n in self.skipped.most_common()]
        lines += [f"  kept, {reason}: {n}" for reason, n in self.warnings.most_common()]
        return "\n".join(lines)

    def write(self, path: str | Path) -> None:
        """Rows skipped or kept with a warning: CSV if the name ends in .csv, else JSON lines."""
        path = Path(path)
        with path.open("w", encoding="utf-8", newline="") as out:
            if path.suffix.lower() == ".csv":
                writer = csv.writer(out)
                writer.writerow(("row", "id", "action", "reason"))
                for p in self.problems:
                    writer.writerow((p.row, p.id, p.action, p.reason))
            else:
                for p in self.problems:
                    line = {"row": p.row, "id": p.id, "action": p.action, "reason": p.reason}
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")


def source_key(source: str) -> str:
    """What identifies a source in the database: the URL, or the file's absolute path."""
    if source.startswith(("https://", "http://")):
        return source
    return str(Path(source).expanduser().resolve())


async def fetch(source: str, transport: httpx.AsyncBaseTransport | None = None) -> bytes:
    if source.startswith("http://"):
        raise PlacesSourceError(f"{source}: use an https:// address")
    if source.startswith("https://"):
        return await _download(source, transport)
    path = Path(source).expanduser()
    if not path.is_file():
        raise PlacesSourceError(f"{source}: no such file")
    try:
        return await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise PlacesSourceError(f"{source}: cannot read the file ({exc.strerror})") from None


async def _download(url: str, transport: httpx.AsyncBaseTransport | None) -> bytes:
    try:
        async with (
            httpx.AsyncClient(
                timeout=DOWNLOAD_TIMEOUT, follow_redirects=True, transport=transport
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise PlacesSourceError(
                    f"cannot download {url}: the server answered HTTP {response.status_code}"
                )
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_DOWNLOAD:
                    raise PlacesSourceError(
                        f"cannot download {url}: larger than {MAX_DOWNLOAD // 2**20} MB"
                    )
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException:
        raise PlacesSourceError(
            f"cannot download {url}: no answer within {DOWNLOAD_TIMEOUT:.0f} s"
        ) from None
    except httpx.HTTPError as exc:
        raise PlacesSourceError(f"cannot download {url}: {exc}") from None


def convert(table: Table, key: str, report: ImportReport) -> list[tuple[Place, tuple]]:
    """Valid places of the table with their rows; every other row goes into the report with
    its reason."""
    to_place = france_services.to_place if table.format == "france-services" else standard.to_place
    places: dict[str, Place] = {}
    for number, row in enumerate(table.rows, start=1):
        report.read += 1
        if row is None:
            _problem(report, number, "", "skipped", table.bad_rows.get(number, "unreadable row"))
            continue
        try:
            place, warning = to_place(key, row)
            stored = place.row()
            _storable(stored)
        except BadValue as exc:
            _problem(report, number, _row_id(row), "skipped", str(exc))
            continue
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            # A value of a type or size no real file has (a list of hours, a 400-digit
            # latitude): the row is skipped, the import goes on.
            _problem(report, number, _row_id(row), "skipped", f"unreadable value ({exc})")
            continue
        if place.source_id in places:
            _problem(report, number, place.source_id, "skipped", "duplicate id")
            continue
        if warning:
            _problem(report, number, place.source_id, "kept", warning)
        places[place.source_id] = (place, stored)
    return list(places.values())


def _row_id(row: dict) -> str:
    return str(row.get("id_fs") or row.get("id") or "")[:100]


def _storable(row: tuple) -> None:
    """Text SQLite can store: no lone surrogate (JSON lets "\\ud800" through)."""
    try:
        "".join(value for value in row if type(value) is str).encode()
    except UnicodeEncodeError:
        raise BadValue("invalid characters in a text") from None


def _problem(report: ImportReport, row: int, row_id: str, action: str, reason: str) -> None:
    report.problems.append(RowProblem(row, row_id, action, reason))
    (report.skipped if action == "skipped" else report.warnings)[reason] += 1


_UPSERT = (
    f"INSERT INTO places ({', '.join(COLUMNS)}, fingerprint, imported_at) "
    f"VALUES ({', '.join('?' * (len(COLUMNS) + 2))}) ON CONFLICT (source, source_id) DO UPDATE "
    "SET "
    + ", ".join(
        f"{c} = excluded.{c}"
        for c in (*COLUMNS, "fingerprint", "imported_at")
        if c not in ("source", "source_id")
    )
)


async def store(
    db: Database, key: str, places: list[tuple[Place, tuple]], report: ImportReport
) -> None:
    now = time.time()
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT source_id, fingerprint FROM places WHERE source = ?", (key,)
        ) as cursor:
            known = dict(await cursor.fetchall())
        writes = []
        for place, row in places:
            digest = place.fingerprint(row)
            before = known.pop(place.source_id, None)
            if before == digest:
                report.unchanged += 1
                continue
            if before is None:
                report.imported += 1
            else:
                report.updated += 1
            writes.append((*row, digest, now))
        await conn.executemany(_UPSERT, writes)
        await conn.executemany(
            "DELETE FROM places WHERE source = ? AND source_id = ?", [(key, i) for i in known]
        )
        report.removed = len(known)
        await conn.execute(
            "INSERT INTO place_imports (source, finished_at, format, counts) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (source, finished_at) DO UPDATE SET format = excluded.format, "
            "counts = excluded.counts",
            (key, now, report.format, json.dumps(report.counts(), ensure_ascii=False)),
        )


async def import_source(
    db: Database,
    source: str,
    fmt: str = "auto",
    report_path: str | Path | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ImportReport:
    """Import one file or https URL (`fmt`: auto, standard or france-services).

    Raises PlacesSourceError when the source cannot be read at all, or holds no usable
    place: the places already imported from it are then left as they were.
    """
    started = time.perf_counter()
    report = ImportReport(source)
    data = await fetch(source, transport)
    table = await asyncio.to_thread(parse, data, source, fmt)
    report.format = table.format
    places = convert(table, source_key(source), report)
    if report_path is not None:
        report.write(report_path)
    if not places:
        reasons = ", ".join(f"{r}: {n}" for r, n in report.skipped.most_common(3))
        raise PlacesSourceError(
            f"{source}: no usable place in {report.read} rows ({reasons}); nothing was changed"
        )
    await store(db, source_key(source), places, report)
    report.seconds = time.perf_counter() - started
    return report

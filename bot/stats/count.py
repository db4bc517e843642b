"""Counting a batch of messages: what the engine noted (its marks), turned into anonymous
counters written in the same transaction as the conversations' new states.

A redelivered message never reaches the engine (the service drops it by id first), and a
message whose processing failed is not counted: no loss, no double count. Nothing that
identifies a person is written: day, flow, node, language, channel and numbers.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

from bot.engine import Outcome, Session
from bot.engine.events import TicketEvent
from bot.engine.trail import ANSWERED, HELP, MISSED, REACHED, Mark
from bot.flows import End, FlowSet
from bot.privacy.masking import mask
from bot.stats.days import day_of
from bot.stats.outcomes import outcome_of
from bot.store.connection import Connection
from bot.text import normalize

NODE_COLUMNS = (
    "reached",
    "answered",
    "left_here",
    "reprompted",
    "asked_for_a_person",
    "yes",
    "no",
)
PEOPLE_COLUMNS = ("conversations", "languages", "handoffs")
UNKNOWN_LANGUAGE = "und"
"""BCP 47 "undetermined": an SMS conversation before the person picked a language."""
SWEPT_UNTIL = "idle_swept_until"
"""stats_meta key: conversations idle since before this moment were counted as left."""
SHARDS = 8
"""Rows a counter is spread over on PostgreSQL (migration 0014): two workers' batches that
count the same node rarely wait for each other's COMMIT."""
MAX_PHRASE_WORDS = 6
MAX_PHRASE_CHARS = 60
_DIGITS = re.compile(r"\d+")


def phrase_of(text: str) -> str:
    """An unmatched answer as it may be counted: masked, folded, digits as #; empty when
    it is too long to be a word a flow could learn (then it is not kept at all)."""
    masked, _ = mask(text)
    folded = _DIGITS.sub("#", normalize(masked))
    if not folded or len(folded) > MAX_PHRASE_CHARS or len(folded.split()) > MAX_PHRASE_WORDS:
        return ""
    return folded


def may_leave(flows: FlowSet, session: Session) -> bool:
    """Whether a conversation resting here for the idle time counts as a drop-off: not with
    a mediator, not at an end, not waiting for the "did it help?" of a closed ticket."""
    if session.is_new or session.ticket or session.pending == "feedback":
        return False
    node = flows.get(session.flow, session.node)
    return node is not None and not isinstance(node, End)


@dataclass
class Tally:
    flows: FlowSet
    idle_seconds: float
    nodes: Counter = field(default_factory=Counter)
    people: Counter = field(default_factory=Counter)
    unmatched: Counter = field(default_factory=Counter)
    left: list[tuple[float, str, str, str, str]] = field(default_factory=list)
    """Drop-offs seen when the next message came: (last seen, flow, node, lang, channel),
    counted unless the idle sweep counted them already."""

    def step(self, channel: str, before: Session, event: object, outcome: Outcome, now: float):
        """One processed message (or ticket event) of one conversation."""
        after = outcome.session
        lang = after.lang or before.lang or UNKNOWN_LANGUAGE
        day = day_of(now)
        if not isinstance(event, TicketEvent):
            idle = not before.is_new and now - before.last_seen > self.idle_seconds
            if idle and may_leave(self.flows, before):
                where = (before.last_seen, before.flow, before.node)
                self.left.append((*where, before.lang or UNKNOWN_LANGUAGE, channel))
            if before.is_new or idle:
                self.people[(day, lang, channel, "conversations")] += 1
                if lang != UNKNOWN_LANGUAGE:
                    self.people[(day, lang, channel, "languages")] += 1
            elif before.pending == "first-language" and after.lang:
                self.people[(day, lang, channel, "languages")] += 1
        self.marks(day, lang, channel, outcome.marks)

    def marks(self, day: str, lang: str, channel: str, marks: tuple[Mark, ...]) -> None:
        handoff = self.flows.handoff
        for index, mark in enumerate(marks):
            key = (day, mark.flow, mark.node, lang, channel)
            if mark.kind == REACHED:
                self.nodes[(*key, "reached")] += 1
            elif mark.kind == ANSWERED:
                self.nodes[(*key, "answered")] += 1
                said = outcome_of(self.flows, mark.flow, mark.node, mark.choice)
                if said:
                    self.nodes[(*key, said)] += 1
                following = marks[index + 1] if index + 1 < len(marks) else None
                to_person = following is not None and following.kind == REACHED
                if to_person and following.flow == handoff and mark.flow != handoff:
                    self.nodes[(*key, "asked_for_a_person")] += 1
            elif mark.kind == MISSED:
                self.nodes[(*key, "reprompted")] += 1
                phrase = phrase_of(mark.text) if mark.text else ""
                if phrase:
                    self.unmatched[(day, mark.flow, mark.node, lang, phrase)] += 1
            elif mark.kind == HELP:
                self.nodes[(*key, "asked_for_a_person")] += 1

    def leave(self, session: Session, channel: str) -> None:
        """A conversation found idle by the sweep (its next message has not come)."""
        lang = session.lang or UNKNOWN_LANGUAGE
        key = (day_of(session.last_seen), session.flow, session.node, lang, channel)
        self.nodes[(*key, "left_here")] += 1

    async def flush(self, conn: Connection, shard: int | None = None) -> None:
        """Add the counts to the tables (inside the caller's transaction), in one shard of
        each counter (None: the batch's own, `shard_for`)."""
        shard = shard_for(conn) if shard is None else shard
        if self.left:
            swept = await swept_until(conn)
            for last_seen, flow, node, lang, channel in self.left:
                if last_seen > swept:
                    key = (day_of(last_seen), flow, node, lang, channel)
                    self.nodes[(*key, "left_here")] += 1
            self.left.clear()
        if self.nodes:
            await _add(conn, "stats_nodes", 5, NODE_COLUMNS, self.nodes, shard)
        if self.people:
            await _add(conn, "stats_people", 3, PEOPLE_COLUMNS, self.people, shard)
        if self.unmatched:
            await conn.executemany(
                "INSERT INTO stats_unmatched (day, flow, node, lang, phrase, shard, count) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, flow, node, lang, phrase, shard) "
                "DO UPDATE SET count = stats_unmatched.count + excluded.count",
                [(*key, shard, n) for key, n in sorted(self.unmatched.items())],
            )
        self.nodes.clear()
        self.people.clear()
        self.unmatched.clear()


def shard_for(conn: Connection) -> int:
    """The shard a batch adds to: one of SHARDS at random on PostgreSQL, where workers write
    at once; always 0 on SQLite, which one process serves."""
    return random.randrange(SHARDS) if conn.dialect == "postgresql" else 0


async def _add(
    conn: Connection,
    table: str,
    width: int,
    columns: tuple[str, ...],
    counts: Counter,
    shard: int,
) -> None:
    rows: dict[tuple, list[int]] = {}
    for key, n in counts.items():
        row = rows.setdefault(key[:width], [0] * len(columns))
        row[columns.index(key[width])] += n
    keys = {
        "stats_nodes": "day, flow, node, lang, channel, shard",
        "stats_people": "day, lang, channel, shard",
    }
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in range(width + 1 + len(columns)))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    await conn.executemany(
        f"INSERT INTO {table} ({keys[table]}, {names}) VALUES ({marks}) "
        f"ON CONFLICT ({keys[table]}) DO UPDATE SET {updates}",
        [(*key, shard, *row) for key, row in sorted(rows.items())],  # (locked in one order)
    )


async def swept_until(conn: Connection) -> float:
    rows = await conn.execute_fetchall("SELECT value FROM stats_meta WHERE key = ?", (SWEPT_UNTIL,))
    return rows[0][0] if rows else 0.0


async def add_people(conn: Connection, day: str, lang: str, channel: str, column: str) -> None:
    counts = Counter({(day, lang or UNKNOWN_LANGUAGE, channel, column): 1})
    await _add(conn, "stats_people", 3, PEOPLE_COLUMNS, counts, shard_for(conn))

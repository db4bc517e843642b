"""`relais flows graph FLOW --with-stats`: the flow author sees where people leave."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.conversations import Conversations
from bot.engine import Engine
from bot.stats.idle import sweep
from bot.store import open_database
from tests.conftest import FIXTURE_FLOWS, NOON, relais_command
from tests.support.stats import say


async def leave(engine: Engine, db_path: Path) -> None:
    """Six people leave at "did it work?", two at the first question."""
    db = await open_database(db_path)
    conversations = Conversations(db, engine)
    for n in range(6):
        for text in ("demarche", "oui"):
            await say(conversations, f"marche-{n}", text)
    for n in range(2):
        await say(conversations, f"compte-{n}", "demarche")
    async with db.transaction() as conn:
        await sweep(conn, engine.flows, 86400, (NOON + timedelta(days=2)).timestamp())
    await db.close()


def graph(db_path: Path, *args: str) -> str:
    result = relais_command(
        "flows",
        "graph",
        "demarche",
        "--with-stats",
        "--db",
        str(db_path),
        *args,
        env={"RELAIS_FLOWS": str(FIXTURE_FLOWS)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_nodes_are_coloured_by_the_people_who_left_there(
    engine: Engine, db_path: Path
) -> None:
    await leave(engine, db_path)
    mermaid = graph(db_path)
    assert 'n_marche{"Est-ce que ça a marché ? · partis : 6"}' in mermaid
    assert "style n_marche fill:#a4161a,color:#fff" in mermaid
    assert "· partis : <5" in mermaid  # two people: not told exactly
    assert "style n_compte fill:#fde0c5" in mermaid
    assert "style n_fin" not in mermaid  # nobody left at the end: it is an end
    dot = graph(db_path, "--format", "dot")
    assert '"marche" [label="Est-ce que ça a marché ? · partis : 6", shape=diamond, ' in dot
    assert 'fillcolor="#a4161a"' in dot


def test_without_counters_the_graph_is_plain(db_path: Path) -> None:
    mermaid = graph(db_path)
    assert "style " not in mermaid and "partis" not in mermaid

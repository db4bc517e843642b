"""The anonymous counters, through the real conversation service on a real SQLite file:
exact counts, a redelivered message counted once, drop-offs counted once whichever way they
are found, figures that an erasure does not change, small counts hidden."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.conversations import Conversations
from bot.engine import Engine
from bot.stats.idle import sweep
from bot.stats.report import figures, hide_small
from bot.store import open_database
from tests.conftest import NOON
from tests.support.stats import say

DAY = NOON.date().isoformat()


async def procedure(conversations: Conversations, user: str, worked: str, at=NOON) -> None:
    """Menu → the procedure → a word it does not know → yes, I have an account → did it work?"""
    for text in ("bonjour", "demarche", "euh blabla", "oui", worked):
        await say(conversations, user, text, at)


async def test_a_scripted_morning_gives_exact_counts(engine: Engine, db_path: Path) -> None:
    db = await open_database(db_path)
    conversations = Conversations(db, engine)
    for n in range(6):
        await procedure(conversations, f"worked-{n}", "oui")
    await procedure(conversations, "stuck", "non")
    got = await figures(db.conn, flows=engine.flows)

    assert got["conversations"] == 7
    nodes = got["flows"]["demarche"]["nodes"]
    assert list(nodes)[:3] == ["compte", "site", "etape"]  # the flow's order
    assert nodes["compte"] == {
        "reached": 7,
        "answered": 7,
        "left_here": 0,
        "reprompted": 7,
        "asked_for_a_person": 0,
    }
    assert nodes["marche"]["reached"] == 7 and nodes["marche"]["answered"] == 7
    assert nodes["marche"]["asked_for_a_person"] == 1  # "non" leads to a person
    assert nodes["fin"]["reached"] == 6
    assert got["flows"]["demarche"]["outcomes"] == {"yes": 6, "no": 1, "none": 0}
    assert got["flows"]["menu"]["nodes"]["accueil"]["reached"] == 7
    assert got["flows"]["aide"]["nodes"]["explication"]["reached"] == 1
    assert got["languages"] == {"fr": {"conversations": 7, "handoffs": 0}}
    assert got["channels"] == {"telegram": {"conversations": 7, "handoffs": 0}}
    assert got["unmatched"] == [
        {"phrase": "euh blabla", "flow": "demarche", "node": "compte", "lang": "fr", "count": 7}
    ]

    shown = hide_small(got)
    assert shown["flows"]["demarche"]["outcomes"] == {"yes": 6, "no": "<5", "none": 0}
    assert shown["flows"]["aide"]["nodes"]["explication"]["reached"] == "<5"
    await db.close()


async def test_a_drop_off_is_counted_once_whoever_finds_it(engine: Engine, db_path: Path) -> None:
    db = await open_database(db_path)
    conversations = Conversations(db, engine)
    for n in range(5):  # back after two days: counted when the message comes
        await say(conversations, f"back-{n}", "demarche")
        await say(conversations, f"back-{n}", "bonjour", NOON + timedelta(days=2))
    for n in range(6):  # never back: counted by the sweep, once however often it runs
        await say(conversations, f"gone-{n}", "demarche")
        await say(conversations, f"gone-{n}", "oui")
    later = (NOON + timedelta(days=3)).timestamp()
    async with db.transaction() as conn:
        assert await sweep(conn, engine.flows, 86400, later) == 6 + 5  # the back ones, at menu
    async with db.transaction() as conn:
        assert await sweep(conn, engine.flows, 86400, later + 3600) == 0
    # One who was swept writes again a week later: not counted a second time.
    await say(conversations, "gone-0", "bonjour", NOON + timedelta(days=7))
    got = await figures(db.conn, flows=engine.flows)
    nodes = got["flows"]["demarche"]["nodes"]
    assert nodes["compte"]["left_here"] == 5
    assert nodes["marche"]["left_here"] == 6
    assert got["flows"]["menu"]["nodes"]["accueil"]["left_here"] == 5
    assert got["conversations"] == 5 + 6 + 5 + 1  # back after the idle time: a new one
    by_day = await figures(db.conn, flows=engine.flows, since=DAY, until=DAY)
    assert by_day["flows"]["demarche"]["nodes"]["compte"]["left_here"] == 5
    assert by_day["conversations"] == 11
    await db.close()


async def test_an_ended_procedure_is_no_drop_off(engine: Engine, db_path: Path) -> None:
    db = await open_database(db_path)
    conversations = Conversations(db, engine)
    for n in range(5):
        await procedure(conversations, f"done-{n}", "oui")
    async with db.transaction() as conn:
        assert await sweep(conn, engine.flows, 86400, (NOON + timedelta(days=2)).timestamp()) == 0
    await db.close()


async def test_erasing_a_resident_changes_no_figure(engine: Engine, db_path: Path) -> None:
    db = await open_database(db_path)
    conversations = Conversations(db, engine)
    for n in range(5):
        await procedure(conversations, f"r-{n}", "oui")
    before = await figures(db.conn, flows=engine.flows)
    await say(conversations, "r-0", "OUBLI", NOON + timedelta(minutes=5))
    erased = await say(conversations, "r-0", "Oui, tout effacer", NOON + timedelta(minutes=6))
    assert erased.session.is_new
    rows = await db.conn.execute_fetchall("SELECT count(*) FROM sessions")
    assert rows[0][0] == 4
    assert await figures(db.conn, flows=engine.flows) == before
    await db.close()


async def test_no_phone_number_or_long_text_is_kept_in_the_counters(
    engine: Engine, db_path: Path
) -> None:
    db = await open_database(db_path)
    conversations = Conversations(db, engine)
    for n in range(5):
        user = f"+3361234567{n}"
        await say(conversations, user, "demarche")
        await say(conversations, user, "mon numéro 0612345678")
        await say(conversations, user, "je ne comprends pas du tout ce que vous me demandez la")
    got = await figures(db.conn, flows=engine.flows)
    assert [u["phrase"] for u in got["unmatched"]] == ["mon numero #"]
    dump = ""
    for table in ("stats_nodes", "stats_people", "stats_unmatched", "stats_tickets"):
        dump += repr(await db.conn.execute_fetchall(f"SELECT * FROM {table}"))
    assert "+336" not in dump and "0612" not in dump and "comprends" not in dump
    await db.close()


def test_an_operator_is_added_with_the_role_and_keeps_it(db_path: Path) -> None:
    from tests.conftest import relais_command

    def add(*extra: str):
        return relais_command(
            "mediators",
            "add",
            "direction@asso.fr",
            "--org",
            "Asso",
            "--password-stdin",
            "--db",
            str(db_path),
            *extra,
            input="un mot de passe solide\n",
        )

    added = add("--role", "operator")
    assert added.returncode == 0 and "Added operator direction@asso.fr" in added.stdout
    assert add().returncode == 0  # a new password, the role kept
    listed = relais_command("mediators", "list", "--json", "--db", str(db_path))
    assert '"role": "operator"' in listed.stdout
    wrong = add("--role", "chef")
    assert wrong.returncode == 2 and "invalid choice: 'chef'" in wrong.stderr


async def test_purge_counts_what_it_deletes_keeps_the_figures_and_drops_rare_phrases(
    engine: Engine, db_path: Path
) -> None:
    from tests.conftest import FIXTURE_FLOWS, relais_command

    db = await open_database(db_path)
    conversations = Conversations(db, engine)
    for n in range(6):
        await say(conversations, f"often-{n}", "demarche")
        await say(conversations, f"often-{n}", "euh blabla")
    for n in range(2):
        await say(conversations, f"rare-{n}", "demarche")
        await say(conversations, f"rare-{n}", "Fatou Diallo")
    await db.close()
    purged = relais_command(
        "purge",
        "--db",
        str(db_path),
        env={"RELAIS_FLOWS": str(FIXTURE_FLOWS), "RELAIS_KEEP_SESSIONS_DAYS": "1"},
    )
    assert purged.returncode == 0, purged.stderr
    assert "     8 idle conversations counted as left (statistics)" in purged.stdout
    assert "     1 rare unmatched phrases deleted (statistics)" in purged.stdout
    assert "     8 idle conversations deleted" in purged.stdout
    db = await open_database(db_path)
    got = await figures(db.conn, flows=engine.flows)
    assert got["conversations"] == 8
    assert got["flows"]["demarche"]["nodes"]["compte"]["left_here"] == 8
    phrases = await db.conn.execute_fetchall("SELECT phrase FROM stats_unmatched")
    assert phrases == [("euh blabla",)]
    await db.close()

"""Jobs that run once across workers sharing one database (SQLite and PostgreSQL): leases,
the reminders' scheduler, the idle sweep of the statistics."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.conversations import Conversations
from bot.engine import Engine
from bot.reminders.scheduler import Scheduler
from bot.stats.idle import sweep
from bot.store import open_database
from bot.store.leases import hold, release
from tests.conftest import NOON
from tests.support.stats import say


async def test_a_lease_has_one_holder_until_it_stops_renewing(db_target) -> None:
    db = await open_database(db_target)
    assert await hold(db, "job:x", "a", 30, 1000)
    assert not await hold(db, "job:x", "b", 30, 1010), "held by a"
    assert await hold(db, "job:x", "a", 30, 1020), "renewed, until 1050"
    assert not await hold(db, "job:x", "b", 30, 1049)
    assert await hold(db, "job:x", "b", 30, 1051), "a stopped renewing: b takes over"
    assert not await hold(db, "job:x", "a", 30, 1052)
    await release(db, "job:x", "b")
    assert await hold(db, "job:x", "a", 30, 1053), "given up: taken at once"
    await db.close()


async def test_one_scheduler_runs_at_a_time_and_another_takes_over_at_its_stop(
    engine: Engine, db_target
) -> None:
    db = await open_database(db_target)
    conversations = Conversations(db, engine)
    schedulers = [Scheduler(conversations, poll=0.05, lease=30) for _ in range(2)]
    ticks = [0, 0]
    for n, scheduler in enumerate(schedulers):

        async def tick(now: float, n: int = n) -> dict:
            ticks[n] += 1
            return {}

        scheduler.tick = tick
    running = [asyncio.create_task(s.run()) for s in schedulers]
    await asyncio.sleep(0.6)
    assert sorted(t > 0 for t in ticks) == [False, True], f"both ran: {ticks}"
    first = ticks.index(max(ticks))
    schedulers[first].stop()
    await running[first]
    before = ticks[1 - first]
    await asyncio.sleep(0.3)
    assert ticks[1 - first] > before, "the other one took over when the first stopped"
    schedulers[1 - first].stop()
    await running[1 - first]
    await db.close()


async def test_two_sweeps_at_once_count_each_drop_off_once(engine: Engine, db_target) -> None:
    """Two workers showing the figures page at the same moment."""
    db = await open_database(db_target)
    conversations = Conversations(db, engine)
    for n in range(6):
        await say(conversations, f"gone-{n}", "demarche")
    other = await open_database(db_target)  # another worker's connection
    later = (NOON + timedelta(days=3)).timestamp()

    async def one(database) -> int:
        async with database.transaction() as conn:
            return await sweep(conn, engine.flows, 86400, later)

    assert sorted(await asyncio.gather(one(db), one(other))) == [0, 6]
    await other.close()
    await db.close()

"""Start-up shared by the commands: settings, flows, catalogs and the database, loaded once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.conversations import Conversations
from bot.engine import Engine
from bot.flows import load_flows
from bot.i18n import Catalogs
from bot.places import PlaceIndex
from bot.store import Database, open_database


@dataclass
class Relais:
    settings: Settings
    db: Database
    conversations: Conversations

    @property
    def engine(self) -> Engine:
        return self.conversations.engine

    async def close(self) -> None:
        await self.db.close()


def build_engine(settings: Settings, places: PlaceIndex | None = None) -> Engine:
    flows = load_flows(list(settings.flows) or None)
    return Engine(flows, Catalogs(), idle_after=settings.idle_after, places=places)


async def start(settings: Settings) -> Relais:
    """Load everything once: flows, catalogs, the database and the help places in it."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    db = await open_database(settings.db)
    try:
        places = await PlaceIndex.load(db)
        engine = build_engine(settings, places)
    except BaseException:
        await db.close()
        raise
    return Relais(settings, db, Conversations(db, engine))

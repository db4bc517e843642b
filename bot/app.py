"""Start-up shared by the commands: settings, flows, catalogs and the database, loaded once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.conversations import Conversations
from bot.engine import Engine
from bot.flows import load_flows
from bot.i18n import Catalogs
from bot.store import Database, open_database


@dataclass
class Relais:
    settings: Settings
    engine: Engine
    db: Database
    conversations: Conversations

    async def close(self) -> None:
        await self.db.close()


def build_engine(settings: Settings) -> Engine:
    flows = load_flows(list(settings.flows) or None)
    return Engine(flows, Catalogs(), idle_after=settings.idle_after)


async def start(settings: Settings) -> Relais:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    engine = build_engine(settings)
    db = await open_database(settings.db)
    return Relais(settings, engine, db, Conversations(db, engine))

"""The mediators' inbox as the tests play it: two organisations, their mediators, waiting
tickets, and pages read back."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass

import httpx

from bot.app import Relais
from bot.engine import Text, TicketOpened
from bot.handoff import tickets
from bot.handoff.tickets import Ticket

PASSWORD = "un mot de passe solide"
A_LOGIN, B_LOGIN = "marie@asso-a.fr", "paul@asso-b.fr"


async def waiting_ticket(
    relais,
    org: int,
    *,
    age: float = 60,
    user: str = "+33612345678",
    summary: str = "Sujet",
    place_name: str = "France Services de Saint-Denis",
) -> Ticket:
    """A ticket of `org` opened `age` seconds ago for a resident on SMS who is waiting for a
    mediator (their conversation knows the ticket, as after a real hand-off)."""
    await relais.conversations.handle("sms", user, Text("Bonjour"))
    async with relais.db.transaction() as conn:
        ticket = await tickets.open_ticket(
            conn,
            organisation_id=org,
            place="test:1",
            place_name=place_name,
            channel="sms",
            user_id=user,
            lang="ar",
            topic="caf",
            summary=summary,
            now=time.time() - age,
        )
    await relais.conversations.handle("sms", user, TicketOpened(ticket.code))
    return ticket


@dataclass
class World:
    relais: Relais
    app: object
    org_a: int
    org_b: int

    def client(self, **headers: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(self.app),
            base_url="http://testserver",
            headers=headers,
        )

    async def ticket(
        self, org: int, *, age: float = 60, user: str = "+33612345678", summary: str = "Sujet"
    ) -> Ticket:
        return await waiting_ticket(self.relais, org, age=age, user=user, summary=summary)

    async def rows(self, sql: str, *params: object) -> list[tuple]:
        return list(await self.relais.db.conn.execute_fetchall(sql, params))

    async def state(self, ticket: Ticket) -> tuple:
        """What an action would change: the ticket's row, its messages, the outbox."""
        row = await self.rows("SELECT status, claimed_by FROM tickets WHERE id = ?", ticket.id)
        count = "SELECT count(*) FROM {} WHERE ticket_id = ?"
        messages = await self.rows(count.format("ticket_messages"), ticket.id)
        outbox = await self.rows("SELECT count(*) FROM outbox")
        return row[0], messages[0][0], outbox[0][0]


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def text_of(page: str) -> str:
    """The page's visible words, tags dropped and spaces squeezed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def sign_in(client: httpx.AsyncClient, login: str, password: str = PASSWORD):
    form = await client.get("/mediateurs/connexion")
    data = {"csrf": csrf_of(form.text), "identifiant": login, "mot_de_passe": password}
    return await client.post("/mediateurs/connexion", data=data)

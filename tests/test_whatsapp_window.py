"""WhatsApp's 24-hour window, from outside: signed webhooks and the web inbox over HTTP, the
real twilio client sending to a fake Twilio API on 127.0.0.1, Twilio's status callbacks.
Time is the service's clock (`Conversations.clock`), moved by the test."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.app import Relais, start
from bot.channels.twilio.sender import STATUS_PATH, TwilioSender
from bot.channels.twilio.webhook import TWILIO_PATH
from bot.config import Settings, TwilioSettings
from bot.engine import TicketOpened
from bot.handoff import deliveries, tickets
from bot.handoff.mediators import add_mediator, set_organisation
from bot.outbox import Outbox
from bot.web.app import create_app
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support.inbox import csrf_of, sign_in, text_of

SID = "AC" + "1" * 32
TOKEN = "twilio-auth-token-for-window-tests"
PUBLIC = "http://127.0.0.1:9"
HX_FR, HX_EN, HX_REMIND = "HX" + "f" * 32, "HX" + "e" * 32, "HX" + "a" * 32
PASSWORD = "un mot de passe solide"
HOUR = 3600.0
DESK = -1001234
"""The organisation's Telegram chat (the mediators' desk): its posts stay queued here."""


@dataclass
class World:
    relais: Relais
    fake: FakeTwilioApi
    http: httpx.AsyncClient
    outbox: Outbox
    sender: TwilioSender
    now: float
    org: int

    def at(self, hours: float) -> None:
        """Move the service's clock to `hours` after the start."""
        self.relais.conversations.clock = lambda: self.now + hours * HOUR

    async def send(self, hours: float, user: str, body: str, sid: str) -> list[str]:
        """The resident writes at `hours`; the TwiML messages answered."""
        self.at(hours)
        form = {"From": user, "To": "whatsapp:+14155238886", "Body": body, "MessageSid": sid}
        response = await self.http.post(TWILIO_PATH, data=form, headers=signed(TWILIO_PATH, form))
        assert response.status_code == 200
        return [m.text or "" for m in ET.fromstring(response.text).iter("Message")]

    async def flush(self, hours: float) -> int:
        return await self.outbox.flush(now=self.now + hours * HOUR + 1)

    async def status(self, sid: str, status: str, error: str = "") -> int:
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": SID}
        if error:
            form["ErrorCode"] = error
        response = await self.http.post(STATUS_PATH, data=form, headers=signed(STATUS_PATH, form))
        return response.status_code

    async def ticket(self, user: str, lang: str) -> tickets.Ticket:
        async with self.relais.db.transaction() as conn:
            ticket = await tickets.open_ticket(
                conn,
                organisation_id=self.org,
                place="test:1",
                place_name="France Services de Saint-Denis",
                channel="whatsapp",
                user_id=user,
                lang=lang,
                topic="caf",
                summary="Sujet",
                now=self.relais.conversations.clock(),
            )
        await self.relais.conversations.handle("whatsapp", user, TicketOpened(ticket.code))
        return ticket

    async def desk(self) -> list[str]:
        """The lines posted to the mediators' Telegram chat, in order."""
        rows = await self.relais.db.conn.execute_fetchall(
            "SELECT payload FROM outbox WHERE channel = 'telegram-chat' ORDER BY id"
        )
        return [json.loads(row[0])["text"] for row in rows]

    async def page(self, ticket: tickets.Ticket) -> str:
        return text_of((await self.http.get(f"/mediateurs/demandes/{ticket.code}")).text)

    async def answer(self, ticket: tickets.Ticket, text: str) -> None:
        page = await self.http.get(f"/mediateurs/demandes/{ticket.code}")
        form = {"csrf": csrf_of(page.text), "texte": text}
        response = await self.http.post(f"/mediateurs/demandes/{ticket.code}/repondre", data=form)
        assert response.status_code == 303, text_of(response.text)


def signed(path: str, form: dict) -> dict:
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(PUBLIC + path, form)}


@pytest.fixture(scope="module")
def fake_twilio():
    fake = FakeTwilioApi(SID, TOKEN)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
async def world(tmp_path: Path, fake_twilio: FakeTwilioApi) -> AsyncIterator[World]:
    fake_twilio.messages.clear()
    fake_twilio.refused.clear()
    fake_twilio.failing.clear()
    twilio = TwilioSettings(
        SID,
        TOKEN,
        "+33700000000",
        "+14155238886",
        api_url=fake_twilio.base_url,
        templates={"fr": HX_FR, "en": HX_EN},
        reminder_templates={"fr": HX_REMIND},
    )
    relais = await start(Settings(db=str(tmp_path / "r.db"), public_url=PUBLIC, twilio=twilio))
    org = await set_organisation(relais.db, "Association A", telegram_chat=DESK)
    await add_mediator(relais.db, "marie@asso-a.fr", "Marie", "Association A", PASSWORD)
    sender = TwilioSender(twilio, relais.conversations, public_url=PUBLIC)
    outbox = Outbox(
        relais.db, sender.senders(), windows=sender.windows(), delivered=deliveries.record
    )
    http = httpx.AsyncClient(transport=httpx.ASGITransport(create_app(relais)), base_url=PUBLIC)
    assert (await sign_in(http, "marie@asso-a.fr")).status_code == 303
    try:
        yield World(relais, fake_twilio, http, outbox, sender, time.time(), org.id)
    finally:
        await http.aclose()
        await sender.close()
        await relais.close()


AMINA = "whatsapp:+33612340001"


async def test_after_25_hours_the_template_goes_then_the_answers_in_order(world: World) -> None:
    assert "Français" in "".join(await world.send(0, AMINA, "bonjour", "WA1"))
    await world.send(0, AMINA, "1", "WA2")  # Français
    ticket = await world.ticket(AMINA, "fr")
    world.at(0.5)
    page = await world.page(ticket)
    assert "Fenêtre WhatsApp ouverte, encore 23 h 30" in page

    world.at(25)
    assert "Fenêtre WhatsApp fermée" in await world.page(ticket)
    await world.answer(ticket, "Bonjour, venez mardi à 14 h.")
    await world.answer(ticket, "Apportez votre titre de séjour.")
    await world.flush(25)
    (template,) = world.fake.to(AMINA)
    assert template["ContentSid"] == HX_FR
    assert "Body" not in template, "no free text outside the window"
    assert template["StatusCallback"] == PUBLIC + STATUS_PATH
    page = await world.page(ticket)
    assert "Bonjour, venez mardi à 14 h. en attente de réponse de la personne" in page
    assert "Apportez votre titre de séjour. en attente de réponse de la personne" in page
    assert "Fenêtre WhatsApp fermée : en attente de réponse de la personne" in page
    listing = text_of((await world.http.get("/mediateurs")).text)
    assert "Fenêtre WhatsApp fermée : en attente de réponse de la personne" in listing
    desk = await world.desk()
    held = f"{ticket.code} (WhatsApp) : votre message est hors de la fenêtre WhatsApp de 24 h"
    assert desk[-1].startswith(held) and "en attente de réponse de la personne" in desk[-1]
    await world.flush(30)
    assert len(world.fake.to(AMINA)) == 1, "the template goes once, the answers wait"

    assert await world.send(31, AMINA, "OUI", "WA3") == [], "OUI only opens the window"
    await world.flush(31)
    bodies = [m.get("Body") for m in world.fake.to(AMINA)[1:]]
    assert bodies == [
        "Réponse de Marie :",
        "Bonjour, venez mardi à 14 h.",
        "Réponse de Marie :",
        "Apportez votre titre de séjour.",
    ]
    page = await world.page(ticket)
    assert "Bonjour, venez mardi à 14 h. envoyé" in page
    assert (await world.desk())[-1] == (
        f"{ticket.code} (WhatsApp) : la personne a répondu : vos messages partent."
    )
    assert "OUI" not in page, "the answer to the template is not passed to the mediator"
    assert "Fenêtre WhatsApp ouverte, encore 24 h 00" in page, page

    first, *_, last = world.fake.to(AMINA)[1:]
    assert await world.status(last["_sid"], "undelivered", "30003") == 200
    assert await world.status(first["_sid"], "delivered") == 200
    page = await world.page(ticket)
    assert "Bonjour, venez mardi à 14 h. distribué" in page
    assert "Apportez votre titre de séjour. non distribué : téléphone éteint" in page


async def test_a_forged_status_callback_changes_nothing(world: World) -> None:
    form = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "failed"}
    response = await world.http.post(STATUS_PATH, data=form, headers={"X-Twilio-Signature": "x"})
    assert response.status_code == 403


async def test_without_a_template_in_their_language_english_goes_and_the_mediator_knows(
    world: World,
) -> None:
    user = "whatsapp:+33612340002"
    await world.send(0, user, "bonjour", "WB1")
    await world.send(0, user, "دری", "WB2")  # Dari: no approved template in Dari
    ticket = await world.ticket(user, "prs")
    world.at(30)
    await world.answer(ticket, "Bonjour")
    await world.flush(30)
    (template,) = world.fake.to(user)
    assert template["ContentSid"] == HX_EN
    page = await world.page(ticket)
    assert "en anglais, faute de modèle approuvé en dari" in page
    assert "RELAIS_WHATSAPP_TEMPLATE_PRS" in page


async def test_any_message_reopens_the_window_and_is_answered_as_usual(world: World) -> None:
    user = "whatsapp:+33612340003"
    await world.send(0, user, "bonjour", "WC1")
    await world.send(0, user, "1", "WC2")
    ticket = await world.ticket(user, "fr")
    world.at(26)
    await world.answer(ticket, "Venez jeudi.")
    await world.flush(26)
    assert await world.send(27, user, "Merci, à quelle heure ?", "WC3") == [
        "Message transmis au médiateur."
    ]
    await world.flush(27)
    assert [m.get("Body") for m in world.fake.to(user)[1:]] == [
        "Réponse de Marie :",
        "Venez jeudi.",
    ]
    assert "Merci, à quelle heure ?" in await world.page(ticket)


async def test_twilio_saying_63016_holds_the_message_and_sends_the_template(world: World) -> None:
    user = "whatsapp:+33612340004"
    await world.send(0, user, "bonjour", "WD1")
    await world.send(0, user, "1", "WD2")
    ticket = await world.ticket(user, "fr")
    world.at(2)
    await world.answer(ticket, "Bonjour")
    world.fake.failing[:] = [63016, 429]  # the window was closed after all; then busy
    await world.flush(2)
    assert world.fake.to(user) == [], "Twilio answered 429 to the template: tried again later"
    await world.flush(3)
    (template,) = world.fake.to(user)
    assert template["ContentSid"] == HX_FR
    assert "en attente de réponse de la personne" in await world.page(ticket)


async def test_a_reminder_outside_the_window_goes_as_its_own_template(world: World) -> None:
    from bot.reminders.scheduler import Scheduler

    user = "whatsapp:+33612340005"
    for n, text in enumerate(["bonjour", "1", "rappels", "1"]):  # Français; actualisation
        await world.send(0, user, text, f"WE{n}")
    rows = await world.relais.db.conn.execute_fetchall("SELECT next_at FROM reminders")
    hours = (rows[0][0] - world.now) / HOUR
    assert hours > 24, "the next opening of the actualisation is days away"
    assert (await Scheduler(world.relais.conversations).tick(rows[0][0] + 60))["sent"] == 1
    await world.flush(hours + 0.1)
    (template,) = world.fake.to(user)
    assert template["ContentSid"] == HX_REMIND and "Body" not in template
    assert await world.send(hours + 1, user, "OUI", "WE9") == []
    await world.flush(hours + 1)
    reminder = world.fake.to(user)[-1]["Body"]
    assert "l'actualisation France Travail est ouverte" in reminder
    assert "C'est fait" in reminder and "Aidez-moi" in reminder
    steps = await world.send(hours + 1.1, user, "Aidez-moi", "WE10")
    assert "francetravail.fr" in "\n".join(steps)

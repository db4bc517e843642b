"""A whole hand-off through the real channels: a resident on SMS (signed Twilio webhooks, the
real Twilio REST client), mediators in their Telegram group (the real python-telegram-bot
against a fake Bot API) and in the web inbox, on a real SQLite file and the real places."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from bot.app import start
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import build_application
from bot.channels.telegram.updates import TELEGRAM_PATH
from bot.channels.twilio.sender import TwilioSender
from bot.channels.twilio.webhook import TWILIO_PATH
from bot.config import Settings, TelegramSettings, TwilioSettings
from bot.handoff import audit, deliveries, tickets
from bot.handoff.mediators import add_mediator, set_organisation
from bot.outbox import Outbox
from bot.web.app import create_app
from tests.conftest import load_france_services
from tests.fakes.telegram_api import FakeBotApi
from tests.support.inbox import csrf_of, sign_in, text_of
from tests.support.store import everything
from tests.support.telegram import HEADERS, SECRET, TOKEN, Person, buttons
from tests.support.twilio import PUBLIC, SID, RecordingHttpClient, messages, signed, sms

GROUP = -1001234567890
OTHER_GROUP = -1009999999999
RESIDENT = "+33612340000"
SAINT_DENIS = "france-services:668"


@pytest.fixture(scope="module")
def api(bot_api):
    return bot_api


class World:
    """Relais with both channels, its outbox, and what each side has received."""

    def __init__(self, relais, channel, outbox, client, twilio_http, api) -> None:
        self.relais, self.channel, self.outbox = relais, channel, outbox
        self.client, self.twilio_http, self.api = client, twilio_http, api
        self.sid = 0

    async def sms(self, body: str, sender: str = RESIDENT) -> list[str]:
        """The resident writes; what they get back at once (TwiML) and from the outbox."""
        self.sid += 1
        params = sms(body, f"SM{self.sid:032d}", sender=sender)
        response = await self.client.post(TWILIO_PATH, data=params, headers=signed(params))
        assert response.status_code == 200
        await self.flush()
        return messages(response.text)

    async def telegram(self, update: dict) -> None:
        response = await self.client.post(TELEGRAM_PATH, json=update, headers=HEADERS)
        assert response.status_code == 200
        await self.flush()

    async def flush(self) -> None:
        await self.outbox.flush()

    def sms_received(self, to: str = RESIDENT) -> list[str]:
        return [r["data"]["Body"] for r in self.twilio_http.requests if r["data"]["To"] == to]

    def group_posts(self, chat: int = GROUP) -> list[dict]:
        return self.api.sent("sendMessage", chat)


@pytest.fixture
async def world(api: FakeBotApi, db_target: str):
    api.calls.clear()
    settings = Settings(
        db=db_target,
        public_url=PUBLIC,
        telegram=TelegramSettings(TOKEN, SECRET),
        twilio=TwilioSettings(SID, "twilio-auth-token-for-tests", "+33700000000"),
    )
    relais = await start(settings)
    await load_france_services(relais.conversations)
    await set_organisation(
        relais.db, "France Services Saint-Denis", places=(SAINT_DENIS,), telegram_chat=GROUP
    )
    await set_organisation(relais.db, "Association Ailleurs", telegram_chat=OTHER_GROUP)
    await add_mediator(
        relais.db, "awa@fs93.fr", "Awa", "France Services Saint-Denis", "un mot de passe solide"
    )
    application = build_application(settings.telegram, base_url=api.base_url)
    await application.initialize()
    channel = TelegramChannel(relais.conversations, application)
    twilio_http = RecordingHttpClient([])
    twilio = TwilioSender(settings.twilio, relais.conversations, http_client=twilio_http)
    senders = {**channel.senders(), **twilio.senders()}
    outbox = Outbox(relais.db, senders, delivered=deliveries.record)
    app = create_app(relais, channel)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC)
    yield World(relais, channel, outbox, client, twilio_http, api)
    await client.aclose()
    await application.shutdown()
    await twilio.close()
    await relais.close()


async def open_ticket_in_arabic(world: World) -> str:
    """مرحبا → العربية → CAF → مساعدة (stuck) → CAF → a location at its door → the first place →
    yes → own words."""
    first = await world.sms("مرحبا")
    assert "1. العربية" in first[0], "Arabic script: Arabic, Dari or Pashto, Arabic first"
    await world.sms("1")  # العربية
    await world.sms("1")  # CAF
    asked = "\n".join(await world.sms("مساعدة"))
    assert "يمكن لشخص أن يساعدك" in asked and "CAF" in asked, "a person, then which one"
    await world.sms("1")  # CAF again: which administration the help is about
    places = await world.sms("48.9426, 2.3816")  # at the door of France services Saint-Denis
    assert "France services Saint-Denis" in "\n".join(places)
    consent = await world.sms("1")
    assert "France services Saint-Denis" in consent[-1]
    await world.sms("1")  # yes, send
    opened = "\n".join(await world.sms("لا أستطيع الدخول إلى حسابي"))
    code = re.search(r"R-[2-9A-HJKMNP-Z]{4}", opened)
    assert code, opened
    return code.group()


async def test_sms_in_arabic_to_a_french_summary_and_answers_from_telegram(world) -> None:
    code = await open_ticket_in_arabic(world)
    ticket = await tickets.ticket_by_code(world.relais.db.conn, code)
    assert ticket.status == "open" and ticket.lang == "ar" and ticket.channel == "sms"

    post = world.group_posts()[0]
    assert post["text"].startswith(f"Nouvelle demande {code}")
    for french in (
        "Sujet : CAF",
        "Langue : arabe (العربية)",
        "Canal : SMS",
        "Lieu choisi : France services Saint-Denis",
        "(écrit en arabe, non traduit)",
        "لا أستطيع الدخول إلى حسابي",
    ):
        assert french in post["text"]
    assert set(buttons(post)) == {"Je prends", "Clore"}
    assert world.group_posts(OTHER_GROUP) == [], "only the place's organisation is told"

    awa = Person(5001, chat_type="supergroup")
    awa.chat = {"id": GROUP, "type": "supergroup"}
    await world.telegram(awa.press(buttons(post)["Je prends"]))
    ticket = await tickets.ticket_by_code(world.relais.db.conn, code)
    assert ticket.status == "claimed" and ticket.claimed_by == "Amina"

    reply = awa.message("Bonjour, venez mardi à 10 h avec votre carte Vitale.")
    reply["message"]["reply_to_message"] = {
        "message_id": 0,
        "date": int(time.time()),
        "chat": awa.chat,
        "text": post["text"],
    }
    reply["message"]["reply_to_message"]["message_id"] = await first_post_id(world, code)
    await world.telegram(reply)
    received = plain(world.sms_received()[-1])
    assert received.endswith("\nBonjour, venez mardi à 10 h avec votre carte Vitale."), received

    assert len(await world.sms("شكرا، سآتي")) == 1, "one short notice that it was passed on"
    assert await world.sms("شكرا") == [], "the resident is told once, not at every message"
    under = world.group_posts()[-2]
    assert under["text"] == f"{code}, la personne écrit :\nشكرا، سآتي"
    assert under["reply_parameters"]["message_id"] == await first_post_id(world, code)

    ticket = await tickets.ticket_by_code(world.relais.db.conn, code)
    assert (ticket.status, ticket.claimed_by) == ("claimed", "Amina")

    # The web inbox: the same French summary, the whole conversation, and a reply box.
    assert (await sign_in(world.client, "awa@fs93.fr", "un mot de passe solide")).status_code == 303
    page = await world.client.get(f"/mediateurs/demandes/{code}")
    shown = text_of(page.text)
    for french in (
        "Sujet : CAF",
        "arabe (العربية)",
        "لا أستطيع الدخول إلى حسابي",
        "شكرا، سآتي",
        "Bonjour, venez mardi à 10 h avec votre carte Vitale.",
    ):
        assert french in shown, french
    form = {
        "csrf": csrf_of(page.text),
        "texte": "Apportez aussi votre attestation CAF.",
        "envoi": "form-1",
    }
    sent = await world.client.post(f"/mediateurs/demandes/{code}/repondre", data=form)
    assert sent.status_code == 303
    await world.client.post(f"/mediateurs/demandes/{code}/repondre", data=form)  # double tap
    await world.flush()
    answers = [plain(t) for t in world.sms_received()]
    assert answers[-1].endswith("\nApportez aussi votre attestation CAF."), answers[-1]
    assert sum("attestation CAF" in a for a in answers) == 1, "a double submit is sent once"

    # Closing from the web gives the resident back to the bot with "did this help?".
    page = await world.client.get(f"/mediateurs/demandes/{code}")
    closing = {"csrf": csrf_of(page.text), "confirme": "oui"}
    assert (
        await world.client.post(f"/mediateurs/demandes/{code}/clore", data=closing)
    ).status_code == 303
    await world.flush()
    session = await world.relais.conversations.peek("sms", RESIDENT)
    assert (session.ticket, session.pending) == ("", "feedback")
    assert code in plain(world.sms_received()[-1])
    await world.sms("2")  # no, it did not help
    assert (await tickets.ticket_by_code(world.relais.db.conn, code)).helped is False
    assert "CAF" in plain(await world.sms("1")), "the bot has the conversation again"

    trail = [(e.actor, e.action) for e in await audit.entries(world.relais.db.conn, ticket=code)]
    assert (f"telegram-chat:{GROUP}", "post") in trail
    assert ("telegram:5001 (Amina)", "reply") in trail
    assert ("awa@fs93.fr", "view") in trail and ("awa@fs93.fr", "close") in trail


def plain(texts: str | list[str]) -> str:
    """Without the bidi marks that lay out right-to-left SMS."""
    text = texts if isinstance(texts, str) else "\n".join(texts)
    return re.sub("[\u200f\u2066\u2069]", "", text)


async def first_post_id(world: World, code: str) -> int:
    rows = await world.relais.db.conn.execute_fetchall(
        "SELECT MIN(message_id) FROM telegram_posts JOIN tickets ON tickets.id = ticket_id "
        "WHERE code = ?",
        (code,),
    )
    return rows[0][0]


def group_member(chat: int = GROUP, user_id: int = 5001) -> Person:
    member = Person(user_id, chat_type="supergroup")
    member.chat = {"id": chat, "type": "supergroup"}
    return member


def reply_to(member: Person, post_id: int, text: str) -> dict:
    update = member.message(text)
    update["message"]["reply_to_message"] = {
        "message_id": post_id,
        "date": int(time.time()),
        "chat": member.chat,
        "text": "…",
    }
    return update


async def test_closing_in_telegram_gives_the_resident_back_to_the_bot(world) -> None:
    code = await open_ticket_in_arabic(world)
    post = world.group_posts()[0]
    await world.telegram(group_member().press(buttons(post)["Clore"]))
    ticket = await tickets.ticket_by_code(world.relais.db.conn, code)
    assert ticket.status == "closed" and ticket.closed_at
    (edited,) = world.api.sent("editMessageReplyMarkup", GROUP)
    assert int(edited["message_id"]) == await first_post_id(world, code), "buttons removed"
    closing = plain(world.sms_received()[-1])
    assert code in closing and "1" in closing  # "did this help?", numbered yes/no
    session = await world.relais.conversations.peek("sms", RESIDENT)
    assert session.ticket == "" and session.pending == "feedback"
    await world.sms("1")
    ticket = await tickets.ticket_by_code(world.relais.db.conn, code)
    assert ticket.helped is True
    menu = await world.sms("1")  # the bot has the conversation again: 1 = CAF
    assert "CAF" in plain(menu)


async def test_another_organisations_group_can_do_nothing_to_the_ticket(world) -> None:
    code = await open_ticket_in_arabic(world)
    post = world.group_posts()[0]
    stranger = group_member(OTHER_GROUP, 6001)
    await world.telegram(stranger.press(buttons(post)["Clore"]))
    await world.telegram(reply_to(stranger, await first_post_id(world, code), "Bonjour"))
    ticket = await tickets.ticket_by_code(world.relais.db.conn, code)
    assert ticket.status == "open"
    assert not any("Bonjour" in text for text in world.sms_received())
    answered = world.api.sent("answerCallbackQuery")[-1]
    assert answered["text"] == "Cette demande n'est pas à ce groupe."


async def test_menu_leaves_the_mediator_who_is_told_and_cannot_write_anymore(world) -> None:
    code = await open_ticket_in_arabic(world)
    await world.sms("menu")
    await world.sms("1")  # yes, back to the menu
    ticket = await tickets.ticket_by_code(world.relais.db.conn, code)
    assert ticket.status == "left"
    assert "revenue au menu du bot" in world.group_posts()[-1]["text"]
    before = len(world.sms_received())
    attempt = reply_to(group_member(), await first_post_id(world, code), "Allô ?")
    await world.telegram(attempt)
    assert len(world.sms_received()) == before
    refusal = world.group_posts()[-1]
    assert refusal["reply_parameters"]["message_id"] == attempt["message"]["message_id"]
    assert "ne lit plus vos messages" in refusal["text"]


async def test_telegram_down_delays_the_post_but_loses_nothing(world) -> None:
    world.api.failing = 3
    code = await open_ticket_in_arabic(world)
    assert world.group_posts() == [], "Telegram answered 502"
    assert await world.outbox.pending() == 1
    assert (await tickets.ticket_by_code(world.relais.db.conn, code)).status == "open"
    world.api.failing = 0
    await world.outbox.flush(now=time.time() + 3600)
    assert world.group_posts()[0]["text"].startswith(f"Nouvelle demande {code}")


async def test_erasing_while_relayed_leaves_nothing_of_the_person(world) -> None:
    code = await open_ticket_in_arabic(world)
    await world.sms("نص آخر لا أريد أن يبقى")
    await world.sms("oubli")
    await world.sms("1")  # yes, erase everything
    db = world.relais.db
    ((status, summary),) = await db.conn.execute_fetchall(
        "SELECT status, summary FROM tickets WHERE code = ?", (code,)
    )
    assert status == "closed" and "arabe" not in summary, "the mediators know it was erased"
    stored = await everything(db)
    for trace in (RESIDENT, RESIDENT.lstrip("+"), "حسابي", "لا أريد أن يبقى"):
        assert trace not in stored, f"{trace!r} is still in the database"
    assert "effacé ses données" in world.group_posts()[-1]["text"]

"""Telegram with the real python-telegram-bot Application, talking HTTP to a fake Bot API."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import httpx
import pytest

from bot.app import start
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import build_application
from bot.channels.telegram.updates import TELEGRAM_PATH
from bot.config import Settings, TelegramSettings
from bot.web.app import create_app
from tests.conftest import load_france_services
from tests.fakes.telegram_api import FakeBotApi
from tests.support.telegram import HEADERS, SECRET, TOKEN, Person, buttons, flush, post


@pytest.fixture(scope="module")
def api(bot_api):
    return bot_api


@pytest.fixture
async def bot(api: FakeBotApi, tmp_path: Path):
    api.calls.clear()
    settings = Settings(db=str(tmp_path / "relais.db"), telegram=TelegramSettings(TOKEN, SECRET))
    relais = await start(settings)
    application = build_application(settings.telegram, base_url=api.base_url)
    await application.initialize()
    channel = TelegramChannel(relais.conversations, application)
    app = create_app(relais, channel)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relais")
    yield client, channel, settings
    await client.aclose()
    await flush(channel)
    await application.shutdown()
    await relais.close()


async def test_a_forged_or_missing_secret_is_refused_and_changes_nothing(bot, api) -> None:
    client, channel, settings = bot
    amina = Person(41)
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
        response = await post(client, channel, amina.message("bonjour"), headers=headers)
        assert response.status_code == 403
    assert api.sent("sendMessage") == []
    assert sqlite3.connect(settings.db).execute("SELECT count(*) FROM sessions").fetchone() == (0,)


async def test_a_conversation_with_buttons_links_and_a_stale_press(bot, api) -> None:
    client, channel, _ = bot
    amina = Person(42)
    assert (await post(client, channel, amina.message("/start"))).status_code == 200
    menu = api.sent("sendMessage", 42)[-1]
    assert menu["text"] == "Pour quelle démarche avez-vous besoin d'aide ?"
    choices = buttons(menu)
    assert list(choices)[:2] == ["CAF", "France Travail"]
    assert all(len(data.encode()) <= 64 for data in choices.values())

    await post(client, channel, amina.press(choices["CAF"]))
    assert api.sent("answerCallbackQuery")
    caf = api.sent("sendMessage", 42)[-1]
    assert "CAF" in caf["text"]

    stale = choices["France Travail"]
    await post(client, channel, amina.press(stale))
    reprompt = api.sent("sendMessage", 42)[-2:]
    assert "ancien message" in reprompt[0]["text"]
    assert reprompt[1]["text"] == caf["text"]

    await post(client, channel, amina.press(buttons(caf)["Une attestation"]))
    await post(
        client,
        channel,
        amina.press(buttons(api.sent("sendMessage", 42)[-1])["Attestation de paiement"]),
    )
    for _ in range(6):
        last = api.sent("sendMessage", 42)[-1]
        if "C'est fait" not in buttons(last):
            break
        await post(client, channel, amina.press(buttons(last)["C'est fait"]))
    links = [m for m in api.sent("sendMessage", 42) if m.get("reply_markup")]
    urls = [u for m in links for u in buttons(m).values() if u.startswith("https://")]
    assert any(u.startswith("https://www.caf.fr") for u in urls)


async def test_a_retried_update_gets_no_second_reply(bot, api) -> None:
    client, channel, _ = bot
    amina = Person(43)
    update = amina.message("bonjour")
    await post(client, channel, update)
    count = len(api.sent("sendMessage", 43))
    assert (await post(client, channel, update)).status_code == 200
    assert len(api.sent("sendMessage", 43)) == count


async def test_language_reported_by_the_app_is_used(bot, api) -> None:
    client, channel, _ = bot
    await post(client, channel, Person(44, lang="uk-UA").message("/start"))
    french = "Pour quelle démarche avez-vous besoin d'aide ?"
    assert api.sent("sendMessage", 44)[-1]["text"] != french


async def test_a_person_who_blocked_the_bot_is_marked_stopped(bot, api) -> None:
    client, channel, settings = bot
    api.blocked.add(45)
    await post(client, channel, Person(45).message("bonjour"))
    row = (
        sqlite3.connect(settings.db)
        .execute("SELECT state FROM sessions WHERE channel = 'telegram' AND user_id = '45'")
        .fetchone()
    )
    assert '"stopped":true' in row[0]


async def test_group_messages_are_ignored(bot, api) -> None:
    client, channel, _ = bot
    group = Person(-100123, chat_type="group")
    assert (await post(client, channel, group.message("bonjour"))).status_code == 200
    assert api.sent("sendMessage", -100123) == []


async def test_two_messages_at_once_are_answered_in_order(bot, api) -> None:
    client, channel, _ = bot
    amina = Person(46)
    await post(client, channel, amina.message("bonjour"))
    first, second = amina.message("CAF"), amina.message("menu")
    await asyncio.gather(
        client.post(TELEGRAM_PATH, json=first, headers=HEADERS),
        client.post(TELEGRAM_PATH, json=second, headers=HEADERS),
    )
    await flush(channel)
    texts = [m["text"] for m in api.sent("sendMessage", 46)]
    assert texts[-1] == "Pour quelle démarche avez-vous besoin d'aide ?"
    assert any("CAF" in t for t in texts[-3:-1])


async def test_a_shared_location_gives_map_pins(bot, api, tmp_path) -> None:
    client, channel, _settings = bot
    await load_france_services(channel.conversations)
    amina = Person(47)
    await post(client, channel, amina.message("aide"))
    asked = api.sent("sendMessage", 47)[-1]
    await post(client, channel, amina.press(buttons(asked)["CAF"]))
    where = api.sent("sendMessage", 47)[-1]
    assert where["reply_markup"]["keyboard"][0][0]["request_location"] is True
    await post(client, channel, amina.message(location=(48.936, 2.357)))
    venues = api.sent("sendVenue", 47)
    assert len(venues) == 3
    assert all(abs(float(v["latitude"]) - 48.936) < 0.3 for v in venues)


async def test_a_photo_is_answered_not_ignored(bot, api) -> None:
    client, channel, _ = bot
    amina = Person(48)
    await post(client, channel, amina.message("bonjour"))
    photo = amina.message("x")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 9, "height": 9}]
    await post(client, channel, photo)
    texts = [m["text"] for m in api.sent("sendMessage", 48)]
    assert "messages écrits" in texts[-2]
    assert texts[-1] == "Pour quelle démarche avez-vous besoin d'aide ?"

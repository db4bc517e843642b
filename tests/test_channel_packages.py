"""A channel is one package: found by its registration, mounted by the web app, shown by
`relais chat` and `relais simulate` through the same renderer as production."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import httpx
import pytest

import bot.channels
from bot.app import start
from bot.channels.console.chat import show
from bot.channels.registry import registered
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import build_application
from bot.config import Settings, TelegramSettings
from bot.display.bidi import LRI, RLM
from bot.engine import Reply
from bot.outbox import replies_payload
from bot.simulator import render
from bot.web.app import create_app
from tests.support.telegram import SECRET, TOKEN

ECHO_INIT = '''
"""A made-up channel: its registration."""

from bot.channels.base import Registration, View


def _webhooks(relais):
    from bot.channels.echo.channel import EchoChannel

    return EchoChannel(relais)


async def _open(relais):
    return _webhooks(relais)


def _text(reply):
    return "> " + reply.text


REGISTRATION = Registration(
    name="echo",
    configured=lambda settings: True,
    open=_open,
    webhooks=_webhooks,
    views={"echo": View(console=_text, simulate=lambda reply: {"text": _text(reply)})},
)
'''

ECHO_CHANNEL = '''
"""A made-up channel: its webhook, parsing and rendering."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.engine import Text


class EchoChannel:
    name = "echo"

    def __init__(self, relais):
        self.relais = relais

    def routes(self, settings):
        return [Route("/webhooks/echo", self.receive, methods=["POST"])]

    async def receive(self, request: Request) -> JSONResponse:
        data = await request.json()
        handled = await self.relais.conversations.handle(
            "echo", data["from"], Text(data["text"]), external_id=data["id"]
        )
        return JSONResponse(["> " + reply.text for reply in handled.replies])

    def senders(self):
        return {}

    def windows(self):
        return {}

    async def close(self):
        pass
'''


@pytest.fixture
def echo_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """One more package under bot/channels/, as a developer would add it: two files."""
    package = tmp_path / "channels" / "echo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(ECHO_INIT))
    (package / "channel.py").write_text(textwrap.dedent(ECHO_CHANNEL))
    monkeypatch.setattr(bot.channels, "__path__", [*bot.channels.__path__, str(package.parent)])
    registered.cache_clear()
    yield
    registered.cache_clear()


async def test_a_new_channel_package_is_served_listed_and_shown(
    echo_package, tmp_path: Path
) -> None:
    relais = await start(Settings(db=str(tmp_path / "relais.db")))
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(relais)), base_url="http://relais"
    )
    try:
        message = {"from": "amina", "text": "bonjour", "id": "m1"}
        response = await client.post("/webhooks/echo", content=json.dumps(message))
        assert response.status_code == 200
        replies = response.json()
        assert replies and all(text.startswith("> ") for text in replies)
        assert "Langue / Language" in "\n".join(replies), "the engine answered, by the echo"

        again = await client.post("/webhooks/echo", content=json.dumps(message))
        assert again.json() == [], "a message delivered twice is processed once, here too"

        health = (await client.get("/healthz")).json()
        assert health["channels"] == ["echo"], "listed; Telegram and Twilio are not configured"
        assert show("echo", Reply("Bonjour")) == "> Bonjour"
        assert render("echo", Reply("Bonjour"))["text"] == "> Bonjour"
    finally:
        await client.aclose()
        await relais.close()


async def test_chat_and_simulate_show_what_telegram_receives(bot_api, tmp_path: Path) -> None:
    """An Arabic reply with a phone number, choices and a link: `relais chat` and `relais
    simulate` show the text Telegram gets, right-to-left marks included, and its buttons."""
    settings = Settings(db=str(tmp_path / "relais.db"), telegram=TelegramSettings(TOKEN, SECRET))
    relais = await start(settings)
    application = build_application(settings.telegram, base_url=bot_api.base_url)
    await application.initialize()
    try:
        channel = TelegramChannel(relais.conversations, application)
        reply = Reply(
            "اتصل بالرقم 3230 من الاثنين إلى الجمعة",
            choices=("CAF", "ameli"),
            key="caf/start",
            link=("caf.fr", "https://www.caf.fr"),
            lang="ar",
        )
        bot_api.calls.clear()
        await channel.deliver("77", replies_payload([reply]))
        sent = bot_api.sent("sendMessage", 77)[-1]
        assert sent["text"].startswith(RLM) and LRI + "3230" in sent["text"]

        simulated = render("telegram", reply)
        assert simulated["text"] == sent["text"]
        assert simulated["choices"] == ["CAF", "ameli"]
        assert simulated["link"] == {"label": "caf.fr", "url": "https://www.caf.fr"}

        shown = show("telegram", reply).split("\n")
        assert shown[0] == sent["text"]
        assert shown[1] == "  [1. CAF]  [2. ameli]"
        labels = [b["text"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["CAF", "ameli", "caf.fr"]
    finally:
        await application.shutdown()
        await relais.close()

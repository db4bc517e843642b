"""SMS and WhatsApp through Twilio: real signatures, TwiML, and the real REST client."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.channels.twilio.render import outgoing, twiml
from bot.channels.twilio.sender import TwilioSender
from bot.channels.twilio.webhook import TWILIO_PATH
from bot.display.segments import sms_cost
from bot.engine import Reply
from bot.handoff import deliveries
from bot.outbox import Outbox, enqueue, replies_payload
from tests.conftest import TESTS, load_france_services, start_serve
from tests.support.twilio import (
    PUBLIC,
    SID,
    TOKEN,
    URL,
    RecordingHttpClient,
    messages,
    post,
    signed,
    sms,
)


async def test_a_signed_sms_gets_twiml_replies(relais_app) -> None:
    client, _ = relais_app
    params = sms("bonjour", "SM1")
    response = await post(client, params, signed(params))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    (language_menu,) = messages(response.text)
    assert "1. Français" in language_menu
    params = sms("1", "SM2")
    replies = messages((await post(client, params, signed(params))).text)
    assert "Pour quelle démarche" in "\n".join(replies)


async def test_forged_or_missing_signatures_are_refused_and_change_nothing(relais_app) -> None:
    client, relais = relais_app
    params = sms("bonjour", "SM3")
    for headers in ({}, signed(params, token="not-the-token"), signed({**params, "Body": "x"})):
        assert (await post(client, params, headers)).status_code == 403
    rows = sqlite3.connect(relais.settings.db).execute("SELECT count(*) FROM inbound").fetchone()
    assert rows == (0,)


async def test_a_signature_over_the_url_with_its_default_port_is_accepted(relais_app) -> None:
    """Twilio signs the URL with or without ":443" depending on its side: both are its own,
    a signature over another URL is not."""
    client, _ = relais_app
    params = sms("bonjour", "SM3-port")
    for url, status in ((URL.replace(".org", ".org:443"), 200), (URL + "/other", 403)):
        signature = RequestValidator(TOKEN).compute_signature(url, params)
        response = await post(client, params, {"X-Twilio-Signature": signature})
        assert response.status_code == status, url
    assert response.text == "forbidden"


async def test_a_replayed_message_sid_gets_no_second_reply(relais_app) -> None:
    client, _ = relais_app
    params = sms("bonjour", "SM4")
    assert messages((await post(client, params, signed(params))).text)
    assert messages((await post(client, params, signed(params))).text) == []


async def test_long_content_is_split_within_the_segment_budget(relais_app) -> None:
    client, _ = relais_app
    for i, body in enumerate(["bonjour", "1", "CAF", "Courrier, argent à rendre"]):
        params = sms(body, f"SM5-{i}", sender="+33611111111")
        replies = messages((await post(client, params, signed(params))).text)
    assert replies
    assert all(sms_cost(text).segments <= 3 for text in replies)


async def test_whatsapp_location_is_a_location_event(relais_app) -> None:
    client, relais = relais_app
    await load_france_services(relais.conversations)
    who = "whatsapp:+33622222222"
    for i, body in enumerate(["bonjour", "1", "aide", "CAF"]):
        params = sms(body, f"WA-{i}", sender=who)
        await post(client, params, signed(params))
    params = sms("", "WA-loc", sender=who, Latitude="48.936", Longitude="2.357")
    replies = messages((await post(client, params, signed(params))).text)
    assert "Saint-Denis" in "\n".join(replies)
    session = await relais.conversations.peek("whatsapp", who)
    assert (session.node, session.pending) == ("ou", "place")


async def test_twilio_stop_is_recorded_and_nothing_is_sent(relais_app) -> None:
    client, relais = relais_app
    params = sms("STOP", "SM6", OptOutType="STOP")
    response = await post(client, params, signed(params))
    assert response.status_code == 200 and messages(response.text) == []
    assert (await relais.conversations.peek("sms", "+33612345678")).stopped


async def queue(relais, http, channel: str, to: str, text: str) -> tuple[Outbox, TwilioSender]:
    """One message in the outbox, and the outbox sending through Twilio's client."""
    sender = TwilioSender(relais.settings.twilio, relais.conversations, http_client=http)
    async with relais.db.transaction() as conn:
        await enqueue(conn, channel, to, replies_payload([Reply(text)]), time.time())
    return Outbox(relais.db, sender.senders(), delivered=deliveries.record), sender


async def test_a_queued_message_goes_through_twilios_client_after_a_retry(relais_app) -> None:
    _, relais = relais_app
    http = RecordingHttpClient([500])
    outbox, sender = await queue(relais, http, "sms", "+33633333333", "Bonjour, ici la médiatrice.")
    try:
        assert await outbox.flush() == 0, "Twilio answered 500: the message must wait"
        assert await outbox.pending() == 1
        assert await outbox.flush(now=time.time() + 60) == 1
        assert await outbox.pending() == 0
    finally:
        await sender.close()
    assert len(http.requests) == 2
    sent = http.requests[-1]
    assert sent["url"].endswith(f"/Accounts/{SID}/Messages.json")
    assert sent["data"]["To"] == "+33633333333" and sent["data"]["From"] == "+33700000000"
    assert sent["data"]["Body"] == "Bonjour, ici la médiatrice."


async def test_outbound_to_an_opted_out_number_marks_it_stopped(relais_app) -> None:
    _, relais = relais_app
    http = RecordingHttpClient([400])
    outbox, sender = await queue(relais, http, "whatsapp", "whatsapp:+33644444444", "Bonjour")
    assert await outbox.flush() == 0
    await sender.close()
    assert await outbox.pending() == 0, "a refused message is not retried"
    assert http.requests[0]["data"]["From"] == "whatsapp:+14155238886"
    assert (await relais.conversations.peek("whatsapp", "whatsapp:+33644444444")).stopped


def test_relais_serve_answers_a_signed_webhook_over_http(tmp_path: Path) -> None:
    env = {
        "RELAIS_PUBLIC_URL": PUBLIC,
        "RELAIS_TWILIO_ACCOUNT_SID": SID,
        "RELAIS_TWILIO_AUTH_TOKEN": TOKEN,
        "RELAIS_TWILIO_SENDER": "+33700000000",
    }
    process, port = start_serve(tmp_path / "r.db", env)
    try:
        params = sms("bonjour", "SM-real")
        body = urllib.parse.urlencode(params).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{TWILIO_PATH}", data=body, headers=signed(params)
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert "Français" in response.read().decode()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def test_a_partial_twilio_setting_names_the_missing_variable(tmp_path: Path) -> None:
    env = {**os.environ, "RELAIS_TWILIO_ACCOUNT_SID": SID}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--db", str(tmp_path / "r.db")],
        env=env,
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "RELAIS_TWILIO_AUTH_TOKEN is missing" in result.stderr


async def test_an_mms_without_text_is_answered(relais_app) -> None:
    client, _ = relais_app
    for i, body in enumerate(["bonjour", "1"]):
        params = sms(body, f"MM-{i}", sender="+33655555555")
        await post(client, params, signed(params))
    params = sms("", "MM-photo", sender="+33655555555", NumMedia="1")
    replies = messages((await post(client, params, signed(params))).text)
    assert "messages écrits" in "\n".join(replies)
    assert "Pour quelle démarche" in "\n".join(replies)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), max_size=4), st.sampled_from(["sms", "whatsapp"]))
def test_the_twiml_answer_is_what_twilios_library_writes(texts: list[str], channel: str) -> None:
    """Any text (markup characters, right-to-left scripts, emoji, empty): Twilio reads the
    same answer as its own library would have written."""
    from twilio.twiml.messaging_response import MessagingResponse

    replies = [Reply(text) for text in texts]
    expected = MessagingResponse()
    for body in outgoing(channel, replies, 3):
        expected.message(body)
    assert twiml(channel, replies, 3) == str(expected)

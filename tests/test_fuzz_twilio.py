"""Fuzzing the Twilio webhook and every path of `relais serve` (hypothesis): random bytes,
Unicode, forms, signatures, headers and lying lengths, on any method and path (/healthz,
the webhooks, the inbox). Never a 500, nothing logged as an error, the database consistent.

Hypothesis does not run async tests: each test runs an event loop of its own. The number of
examples and the CI profile: tests/support/fuzzing.py and tests/conftest.py.
"""

from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.channels.http import MAX_BODY
from bot.channels.telegram.updates import TELEGRAM_PATH
from bot.channels.twilio.sender import STATUS_PATH
from bot.channels.twilio.webhook import TWILIO_PATH
from bot.config import TwilioSettings
from bot.web.app import create_app
from tests.support.fuzzing import (
    HANDOFF_WALK,
    Loop,
    asgi_client,
    check_database,
    count,
    error_log,
    fuzz,
    relais_with_places,
)
from tests.support.strategies import (
    METHODS,
    ascii_text,
    content_types,
    declared_too_large,
    length_lies,
    long_texts,
    lying_headers,
    odd_text,
    raw_bodies,
    token_text,
)
from tests.support.twilio import PUBLIC, SID
from tests.support.twilio import TOKEN as TWILIO_TOKEN
from tests.support.twilio import URL as TWILIO_URL

# Twilio, and any method on any path.

TWILIO_FIELDS = (
    "To",
    "AccountSid",
    "NumMedia",
    "MediaUrl0",
    "MediaContentType0",
    "Latitude",
    "Longitude",
    "OptOutType",
    "ProfileName",
    "WaId",
    "SmsStatus",
    "ButtonPayload",
)
coordinate_texts = st.one_of(
    st.floats().map(str),
    st.sampled_from(["48.936", "2.357", "", " ", "nan", "inf", "-inf", "1e400", "48,9", "abc"]),
)
twilio_forms = st.builds(
    lambda required, optional, extra: {**extra, **optional, **required},
    st.fixed_dictionaries(
        {
            "From": st.sampled_from(
                ["+33612345678", "+33698765432", "whatsapp:+33611111111", "", "whatsapp:"]
            )
            | odd_text,
            "Body": st.one_of(odd_text, st.sampled_from(HANDOFF_WALK), long_texts()),
            "MessageSid": st.sampled_from(["SM1", "SM2", "SM3", ""]) | token_text,
        }
    ),
    st.fixed_dictionaries(
        {},
        optional={
            name: coordinate_texts if name in ("Latitude", "Longitude") else odd_text
            for name in TWILIO_FIELDS
        }
        | {"OptOutType": st.sampled_from(["STOP", "START", "stop", "HELP", ""])},
    ),
    st.dictionaries(odd_text, odd_text, max_size=3),
)
twilio_bodies = st.one_of(
    twilio_forms.map(lambda form: urllib.parse.urlencode(form).encode()), raw_bodies
)


def form_seen_by_the_server(body: bytes) -> dict[str, str] | None:
    """The form the webhook reads from these bytes (None: not UTF-8)."""
    try:
        return dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        return None


def twilio_world(loop: Loop, folder: Path):
    twilio = TwilioSettings(SID, TWILIO_TOKEN, "+33700000000", "+14155238886")
    relais = loop.run(relais_with_places(folder / "relais.db", public_url=PUBLIC, twilio=twilio))
    loop.cleanups.append(relais.close)
    client = asgi_client(create_app(relais))
    loop.cleanups.append(client.aclose)
    return relais, client


def test_unsigned_or_forged_twilio_webhooks_are_refused(tmp_path: Path) -> None:
    with Loop() as loop, error_log() as errors:
        relais, client = twilio_world(loop, tmp_path)
        other = RequestValidator("not-the-token")

        @fuzz(120)
        @given(
            body=twilio_bodies,
            kind=content_types,
            length=length_lies,
            forgery=st.sampled_from(["none", "empty", "random", "other token", "other form"]),
            random_signature=ascii_text,
        )
        def one(body, kind, length, forgery, random_signature) -> None:
            headers = lying_headers(kind, length)
            form = form_seen_by_the_server(body) or {}
            signature = {
                "none": None,
                "empty": "",
                "random": random_signature,
                "other token": other.compute_signature(TWILIO_URL, form),
                "other form": RequestValidator(TWILIO_TOKEN).compute_signature(
                    TWILIO_URL, {**form, "Body": form.get("Body", "") + "!"}
                ),
            }[forgery]
            if signature is not None:
                headers["x-twilio-signature"] = signature
            before = loop.run(count(relais.db.conn, "SELECT count(*) FROM inbound"))
            response = loop.run(client.post(TWILIO_PATH, content=body, headers=headers))
            readable = len(body) <= MAX_BODY and not declared_too_large(length)
            expected = {403} if readable and form_seen_by_the_server(body) is not None else set()
            assert response.status_code in (expected or {400, 413}), response.status_code
            after = loop.run(count(relais.db.conn, "SELECT count(*) FROM inbound"))
            assert after == before, "a refused webhook was processed"
            errors.check()

        one()


def test_signed_twilio_webhooks_get_valid_twiml_or_a_clear_refusal(tmp_path: Path) -> None:
    with Loop() as loop, error_log() as errors:
        relais, client = twilio_world(loop, tmp_path)
        validator = RequestValidator(TWILIO_TOKEN)

        @fuzz(150)
        @given(body=twilio_bodies, kind=content_types, length=length_lies)
        def one(body, kind, length) -> None:
            headers = lying_headers(kind, length)
            form = form_seen_by_the_server(body)
            headers["x-twilio-signature"] = validator.compute_signature(TWILIO_URL, form or {})
            sender = (form or {}).get("From", "")
            channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
            sid = (form or {}).get("MessageSid", "")
            seen = loop.run(
                count(
                    relais.db.conn,
                    "SELECT count(*) FROM inbound WHERE channel = ? AND external_id = ?",
                    channel,
                    relais.db.keyed(sid),  # ids are stored as keyed hashes
                )
            )
            response = loop.run(client.post(TWILIO_PATH, content=body, headers=headers))
            if len(body) > MAX_BODY or declared_too_large(length):
                assert response.status_code == 413
            elif form is None:
                assert response.status_code == 400
            else:
                assert response.status_code == 200, response.status_code
                assert response.headers["content-type"].startswith("application/xml")
                try:
                    root = ET.fromstring(response.content)
                except ET.ParseError as exc:
                    raise AssertionError(f"not XML ({exc}): {response.text[:300]!r}") from None
                assert root.tag == "Response" and all(m.tag == "Message" for m in root)
                opt_out = form.get("OptOutType", "").upper() in ("STOP", "START")
                if not opt_out and not seen:
                    session = loop.run(relais.conversations.peek(channel, sender))
                    assert len(root) or session.hushed, f"no reply to {form!r}"
            loop.run(check_database(relais.db.conn, relais.engine))
            errors.check()

        one()


PATHS = (
    "/",
    "/healthz",
    TWILIO_PATH,
    STATUS_PATH,
    TELEGRAM_PATH,
    "/mediateurs",
    "/mediateurs/demandes/x",
)


def test_any_method_and_path_gets_no_server_error(tmp_path: Path) -> None:
    with Loop() as loop, error_log() as errors:
        relais, client = twilio_world(loop, tmp_path)

        @fuzz(80)
        @given(
            method=st.sampled_from(METHODS),
            path=st.sampled_from(PATHS),
            suffix=st.lists(odd_text, max_size=3),
            query=st.dictionaries(odd_text, odd_text, max_size=3),
            body=raw_bodies,
            kind=content_types,
            length=length_lies,
        )
        def one(method, path, suffix, query, body, kind, length) -> None:
            url = path + "".join("/" + urllib.parse.quote(part, safe="") for part in suffix)
            url = "/" + url.lstrip("/")  # "//x" would name a host
            if query:
                url += "?" + urllib.parse.urlencode(query)
            headers = lying_headers(kind, length)
            response = loop.run(client.request(method, url, content=body, headers=headers))
            assert response.status_code < 500, (method, url, response.status_code)
            health = loop.run(client.get("/healthz", params=query))
            assert health.status_code == 200 and health.json()["status"] == "ok"
            loop.run(check_database(relais.db.conn, relais.engine))
            errors.check()

        one()

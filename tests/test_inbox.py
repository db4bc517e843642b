"""The mediators' web inbox over HTTP, on a real SQLite file: sign-in, sessions, CSRF,
what each organisation sees, and the pages' content."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import start
from bot.config import Settings
from bot.handoff import tickets
from bot.handoff.mediators import add_mediator, set_organisation
from bot.web.app import create_app
from tests.support.inbox import (
    A_LOGIN,
    B_LOGIN,
    PASSWORD,
    World,
    csrf_of,
    sign_in,
    text_of,
)


@pytest.fixture
async def world(db_path: Path) -> AsyncIterator[World]:
    relais = await start(Settings(db=str(db_path)))
    org_a = await set_organisation(relais.db, "Association A")
    org_b = await set_organisation(relais.db, "Association B")
    await add_mediator(relais.db, A_LOGIN, "Marie", "Association A", PASSWORD)
    await add_mediator(relais.db, B_LOGIN, "Paul", "Association B", PASSWORD)
    try:
        yield World(relais, create_app(relais), org_a.id, org_b.id)
    finally:
        await relais.close()


@asynccontextmanager
async def signed_in(world: World, login: str = A_LOGIN) -> AsyncIterator[tuple]:
    """A client with a live session, and the session's CSRF token."""
    async with world.client() as client:
        response = await sign_in(client, login)
        assert response.status_code == 303, text_of(response.text)
        page = await client.get("/mediateurs")
        yield client, csrf_of(page.text)


# Signing in and out.


async def test_signing_in_leads_to_the_list_and_sets_a_safe_cookie(world: World) -> None:
    async with world.client() as client:
        first = await client.get("/mediateurs")
        assert first.status_code == 303
        assert first.headers["location"] == "/mediateurs/connexion"
        form = await client.get(first.headers["location"])
        assert 'lang="fr"' in form.text and 'name="viewport"' in form.text
        assert '<label for="identifiant">' in form.text
        assert '<label for="mot_de_passe">' in form.text

        response = await sign_in(client, "  MARIE@asso-a.fr ")
        assert response.status_code == 303
        assert response.headers["location"] == "/mediateurs"
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("relais_session=")
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        token = cookie.split(";")[0].split("=", 1)[1]
        stored = await world.rows("SELECT token_hash FROM web_sessions")
        assert stored == [(hashlib.sha256(token.encode()).hexdigest(),)], "only a hash is kept"

        page = await client.get("/mediateurs")
        assert page.status_code == 200
        assert "Marie · Association A" in text_of(page.text)
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "same-origin"


async def test_a_wrong_password_or_unknown_login_gives_the_same_message(world: World) -> None:
    async with world.client() as client:
        wrong = await sign_in(client, A_LOGIN, "pas le bon mot de passe")
        unknown = await sign_in(client, "personne@nulle-part.fr", PASSWORD)
        for response in (wrong, unknown):
            assert response.status_code == 401
            assert "Identifiant ou mot de passe incorrect." in text_of(response.text)
            assert not any(
                c.startswith("relais_session=") for c in response.headers.get_list("set-cookie")
            )
        assert f'value="{A_LOGIN}"' in wrong.text, "the login stays typed in"
        assert (await client.get("/mediateurs")).status_code == 303
    assert await world.rows("SELECT count(*) FROM web_sessions") == [(0,)]


async def test_after_five_failures_the_login_must_wait(world: World) -> None:
    async with world.client() as client:
        for attempt in range(5):
            response = await sign_in(client, A_LOGIN, f"mauvais essai {attempt}")
            assert response.status_code == 401
        assert "dernier essai" in text_of(response.text)

        refused = await sign_in(client, A_LOGIN, PASSWORD)
        assert refused.status_code == 429
        assert "Trop d'essais pour cet identifiant. Attendez 15 minutes" in text_of(refused.text)
        assert (await client.get("/mediateurs")).status_code == 303, "no session opened"

        async with world.client() as other:
            assert (await sign_in(other, B_LOGIN)).status_code == 303, "other logins unaffected"

        # A quarter of an hour later, the right password works again.
        async with world.relais.db.transaction() as conn:
            await conn.execute("UPDATE login_failures SET at = at - 16 * 60")
        assert (await sign_in(client, A_LOGIN)).status_code == 303
    assert await world.rows("SELECT count(*) FROM login_failures WHERE login = ?", A_LOGIN) == [
        (0,)
    ]


async def test_attempts_sent_all_at_once_are_all_counted(world: World) -> None:
    async with world.client() as client:
        form = await client.get("/mediateurs/connexion")
        data = {"csrf": csrf_of(form.text), "identifiant": A_LOGIN}
        attempts = [
            client.post("/mediateurs/connexion", data={**data, "mot_de_passe": f"essai {n}"})
            for n in range(12)
        ]
        statuses = sorted(r.status_code for r in await asyncio.gather(*attempts))
        assert statuses == [401] * 5 + [429] * 7
        assert (await sign_in(client, A_LOGIN)).status_code == 429


async def test_an_expired_session_asks_to_sign_in_again(world: World) -> None:
    ticket = await world.ticket(world.org_a)
    async with signed_in(world) as (client, _):
        async with world.relais.db.transaction() as conn:
            await conn.execute("UPDATE web_sessions SET expires_at = ?", (time.time() - 1,))
        response = await client.get(f"/mediateurs/demandes/{ticket.code}")
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"/mediateurs/connexion?suite=/mediateurs/demandes/{ticket.code}"
        )
        assert await world.rows("SELECT count(*) FROM web_sessions") == [(0,)], "expired: deleted"

        # Signing in again comes back to the ticket, not anywhere else.
        form = await client.get(response.headers["location"])
        assert f'name="suite" value="/mediateurs/demandes/{ticket.code}"' in form.text
        back = await client.post(
            "/mediateurs/connexion",
            data={
                "csrf": csrf_of(form.text),
                "identifiant": A_LOGIN,
                "mot_de_passe": PASSWORD,
                "suite": f"/mediateurs/demandes/{ticket.code}",
            },
        )
        assert back.headers["location"] == f"/mediateurs/demandes/{ticket.code}"


async def test_signing_in_never_sends_to_another_site(world: World) -> None:
    async with world.client() as client:
        form = await client.get("/mediateurs/connexion?suite=https://evil.example/")
        assert "evil.example" not in form.text
        data = {
            "csrf": csrf_of(form.text),
            "identifiant": A_LOGIN,
            "mot_de_passe": PASSWORD,
            "suite": "//evil.example/mediateurs/demandes/R-2345",
        }
        response = await client.post("/mediateurs/connexion", data=data)
        assert response.headers["location"] == "/mediateurs"


async def test_signing_out_ends_the_session_for_good(world: World) -> None:
    async with signed_in(world) as (client, csrf):
        token = client.cookies["relais_session"]
        response = await client.post("/mediateurs/deconnexion", data={"csrf": csrf})
        assert response.status_code == 303
        page = await client.get(response.headers["location"])
        assert "Vous êtes déconnecté." in text_of(page.text)
        assert await world.rows("SELECT count(*) FROM web_sessions") == [(0,)]
        client.cookies.set("relais_session", token)  # a copy of the old cookie is worthless
        assert (await client.get("/mediateurs")).status_code == 303


# Cross-site request forgery.


async def test_sign_in_form_without_its_cookie_is_refused(world: World) -> None:
    async with world.client() as client:
        form = await client.get("/mediateurs/connexion")
        client.cookies.clear()  # as when another site posts the form
        data = {"csrf": csrf_of(form.text), "identifiant": A_LOGIN, "mot_de_passe": PASSWORD}
        response = await client.post("/mediateurs/connexion", data=data)
        assert response.status_code == 403
        assert "La page de connexion avait expiré" in text_of(response.text)
    assert await world.rows("SELECT count(*) FROM web_sessions") == [(0,)]


@pytest.mark.parametrize(
    ("action", "form", "headers"),
    [
        ("prendre", {}, {}),
        ("prendre", {"csrf": "pas-le-bon"}, {}),
        ("repondre", {"csrf": "pas-le-bon", "texte": "Bonjour"}, {}),
        ("clore", {"confirme": "oui"}, {}),
        ("prendre", {"csrf": None}, {"origin": "https://evil.example"}),
        ("repondre", {"csrf": None, "texte": "Bonjour"}, {"referer": "https://evil.example/x"}),
        ("clore", {"csrf": None, "confirme": "oui"}, {"origin": "null"}),
    ],
)
async def test_a_forged_post_is_refused_and_changes_nothing(
    world: World, action: str, form: dict, headers: dict
) -> None:
    ticket = await world.ticket(world.org_a)
    before = await world.state(ticket)
    async with signed_in(world) as (client, csrf):
        data = {key: csrf if value is None else value for key, value in form.items()}
        response = await client.post(
            f"/mediateurs/demandes/{ticket.code}/{action}", data=data, headers=headers
        )
        assert response.status_code == 403
        assert "Rien n'a été changé" in text_of(response.text)
    assert await world.state(ticket) == before


async def test_sign_out_without_the_token_keeps_the_session(world: World) -> None:
    async with signed_in(world) as (client, _):
        response = await client.post("/mediateurs/deconnexion", data={"csrf": "x"})
        assert response.status_code == 403
        assert (await client.get("/mediateurs")).status_code == 200


# Each organisation sees its own tickets only.


async def test_a_mediator_never_sees_another_organisations_tickets(world: World) -> None:
    theirs = await world.ticket(world.org_a, user="+33611111111", summary="Secret de A")
    ours = await world.ticket(world.org_b, user="+33622222222", summary="Demande de B")
    before = await world.state(theirs)
    async with signed_in(world, B_LOGIN) as (client, csrf):
        listing = text_of((await client.get("/mediateurs")).text)
        assert ours.code in listing
        assert theirs.code not in listing

        foreign = await client.get(f"/mediateurs/demandes/{theirs.code}")
        missing = await client.get("/mediateurs/demandes/R-ZZZZ")
        assert foreign.status_code == missing.status_code == 404
        assert "Secret de A" not in foreign.text
        assert text_of(foreign.text) == text_of(missing.text), "same answer as no ticket"

        for action, extra in (
            ("repondre", {"texte": "Bonjour"}),
            ("prendre", {}),
            ("clore", {"confirme": "oui"}),
        ):
            response = await client.post(
                f"/mediateurs/demandes/{theirs.code}/{action}", data={"csrf": csrf, **extra}
            )
            assert response.status_code == 404, action
            assert "Demande introuvable" in text_of(response.text)
    assert await world.state(theirs) == before


async def test_the_list_shows_newest_first_with_the_waiting_time(world: World) -> None:
    old = await world.ticket(world.org_a, age=2 * 3600 + 5 * 60, user="+33600000001")
    middle = await world.ticket(world.org_a, age=40 * 60 + 5, user="+33600000002")
    new = await world.ticket(world.org_a, age=12 * 60 + 5, user="+33600000003")
    closed = await world.ticket(world.org_a, age=5, user="+33600000004")
    async with world.relais.db.transaction() as conn:
        await tickets.set_status(conn, closed.id, "closed", time.time())
    async with signed_in(world) as (client, _):
        page = await client.get("/mediateurs")
    words = text_of(page.text)
    assert '<meta http-equiv="refresh" content="30' in page.text
    assert "3 demandes ouvertes" in words
    positions = [words.index(t.code) for t in (new, middle, old)]
    assert positions == sorted(positions), "newest first"
    assert closed.code not in words
    assert f"{new.code} en attente CAF · France Services de Saint-Denis il y a 12 min" in words
    assert "il y a 40 min" in words
    assert "il y a 2 h 05" in words
    assert "arabe (العربية)" in words


# The ticket page.


async def test_the_ticket_page_shows_summary_conversation_and_delivery(world: World) -> None:
    summary = (
        "Sujet : CAF\nMessage de la personne :\n« لا أستطيع الدخول <script>alert(1)</script> »"
    )
    ticket = await world.ticket(world.org_a, summary=summary)
    now = time.time()
    async with world.relais.db.transaction() as conn:
        await tickets.add_message(conn, ticket.id, "resident", "مرحبا، هل يمكنك مساعدتي؟", now)
        for text, delivery, error in (
            ("Premier", "queued", ""),
            ("Deuxième", "retrying", "réseau coupé"),
            ("Troisième", "sent", ""),
            ("Quatrième", "failed", "numéro invalide"),
        ):
            message = await tickets.add_message(
                conn, ticket.id, "mediator", text, now, name="Léa", delivery=delivery
            )
            await tickets.set_delivery(conn, message, delivery, error)
        await tickets.add_message(conn, ticket.id, "relais", "Pris en charge par Léa.", now)
    async with signed_in(world) as (client, _):
        page = await client.get(f"/mediateurs/demandes/{ticket.code.lower()}")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "<script>alert(1)</script>" not in page.text, "escaped"
    assert "« لا أستطيع الدخول <script>alert(1)</script> »" in words
    assert '<div class="body" dir="auto">مرحبا، هل يمكنك مساعدتي؟</div>' in page.text
    assert "La personne · " in words
    assert "Léa · " in words and "Relais · " in words
    assert "Premier en cours d'envoi" in words
    assert "Deuxième nouvel essai : réseau coupé" in words
    assert "Troisième envoyé" in words
    assert "Quatrième non envoyé : numéro invalide" in words
    assert '<label for="texte">' in page.text
    assert "Je prends" in words and "Clore" in words


async def test_odd_requests_get_a_clear_answer_never_a_server_error(world: World) -> None:
    ticket = await world.ticket(world.org_a)
    base = f"/mediateurs/demandes/{ticket.code}"
    async with signed_in(world) as (client, csrf):
        for path in (
            "/mediateurs/demandes/%00",
            "/mediateurs/demandes/" + "R" * 5000,
            "/mediateurs/demandes/ر-٣٤٥٦",
            "/mediateurs/demandes/R-2345/../../healthz",
            "/mediateurs/nulle-part",
            f"{base}/repondre",
        ):
            response = await client.get(path)
            assert response.status_code in (404, 405), path
        odd_posts = [
            (
                f"{base}/repondre",
                b"csrf=" + b"x" * 100_000,
                "application/x-www-form-urlencoded",
                413,
            ),
            (f"{base}/repondre", b"csrf=\xff\xfe", "application/x-www-form-urlencoded", 400),
            (f"{base}/repondre", b'{"csrf": 1}', "application/json", 400),
            (
                f"{base}/repondre",
                b"&".join([b"a=1"] * 50),
                "application/x-www-form-urlencoded",
                400,
            ),
            (f"{base}/danser", f"csrf={csrf}".encode(), "application/x-www-form-urlencoded", 404),
        ]
        for path, body, kind, status in odd_posts:
            response = await client.post(path, content=body, headers={"content-type": kind})
            assert response.status_code == status, (path, body[:20])
            assert 'lang="fr"' in response.text
        css = await client.get("/mediateurs/inbox.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


# What the buttons do (through bot.handoff.actions).


async def test_replying_queues_the_message_and_shows_it(world: World) -> None:
    ticket = await world.ticket(world.org_a)
    async with signed_in(world) as (client, csrf):
        url = f"/mediateurs/demandes/{ticket.code}"
        empty = await client.post(f"{url}/repondre", data={"csrf": csrf, "texte": "   "})
        assert empty.status_code == 409
        assert "Le message est vide." in text_of(empty.text)

        sent = await client.post(
            f"{url}/repondre", data={"csrf": csrf, "texte": "Bonjour, venez mardi à 14 h."}
        )
        assert sent.status_code == 303, text_of(sent.text)
        assert sent.headers["location"].startswith(url)
        page = await client.get(sent.headers["location"])
    words = text_of(page.text)
    assert "Message enregistré" in words
    assert "Marie · " in words
    assert "Bonjour, venez mardi à 14 h. en cours d'envoi" in words
    queued = await world.rows("SELECT channel, user_id FROM outbox WHERE ticket_message_id > 0")
    assert queued == [("sms", ticket.user_id)]
    taken = await world.rows("SELECT status, claimed_by FROM tickets WHERE id = ?", ticket.id)
    assert taken == [("claimed", "Marie")], "answering takes the ticket: the others see who"


async def test_claiming_then_closing_takes_the_ticket_off_the_list(world: World) -> None:
    ticket = await world.ticket(world.org_a)
    async with signed_in(world) as (client, csrf):
        url = f"/mediateurs/demandes/{ticket.code}"
        claimed = await client.post(f"{url}/prendre", data={"csrf": csrf})
        assert claimed.status_code == 303, text_of(claimed.text)
        words = text_of((await client.get(claimed.headers["location"])).text)
        assert "Vous avez pris cette demande." in words
        assert "pris en charge par Marie" in words
        assert "Je prends" not in words, "already mine"
        listing = text_of((await client.get("/mediateurs")).text)
        assert f"{ticket.code} pris en charge par Marie" in listing

        asked = await client.post(f"{url}/clore", data={"csrf": csrf})
        assert asked.status_code == 200
        assert f"Clore la demande {ticket.code} ?" in text_of(asked.text)
        assert (await world.state(ticket))[0][0] == "claimed", "not closed before confirming"

        closed = await client.post(f"{url}/clore", data={"csrf": csrf, "confirme": "oui"})
        assert closed.status_code == 303, text_of(closed.text)
        listing = text_of((await client.get(closed.headers["location"])).text)
        assert "La demande est close." in listing
        assert ticket.code not in listing

        again = await client.post(f"{url}/clore", data={"csrf": csrf, "confirme": "oui"})
        assert again.status_code == 409
        assert "Cette demande est déjà close." in text_of(again.text)
        page = text_of((await client.get(url)).text)
        assert "Cette demande est close" in page and "Envoyer" not in page

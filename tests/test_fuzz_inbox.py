"""Fuzzing the mediators' web inbox (hypothesis): any request, signed in or not, with or
without its CSRF token, on any ticket. Never a 500, nothing logged as an error, and
another organisation's tickets never change.

Hypothesis does not run async tests: each test runs an event loop of its own. The number of
examples and the CI profile: tests/support/fuzzing.py and tests/conftest.py.
"""

from __future__ import annotations

import string
import time
import urllib.parse
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.app import start
from bot.config import Settings
from bot.handoff import tickets
from bot.handoff.mediators import add_mediator, find_mediator, set_organisation
from bot.web import auth
from bot.web.app import create_app
from bot.web.inbox import LOGIN_COOKIE, SESSION_COOKIE
from tests.support.fuzzing import Loop, asgi_client, check_database, error_log, fuzz
from tests.support.inbox import A_LOGIN, B_LOGIN, PASSWORD, World
from tests.support.strategies import (
    METHODS,
    ascii_text,
    content_types,
    length_lies,
    long_texts,
    mostly,
    odd_text,
    raw_bodies,
)

# The mediators' inbox.

urlsafe_tokens = st.text(
    alphabet=string.ascii_letters + string.digits + "-_", min_size=30, max_size=60
)


def inbox_world(loop: Loop, folder: Path) -> World:
    relais = loop.run(start(Settings(db=str(folder / "relais.db"), log_level="WARNING")))
    loop.cleanups.append(relais.close)
    org_a = loop.run(set_organisation(relais.db, "Association A"))
    org_b = loop.run(set_organisation(relais.db, "Association B"))
    loop.run(add_mediator(relais.db, A_LOGIN, "Marie", "Association A", PASSWORD))
    loop.run(add_mediator(relais.db, B_LOGIN, "Paul", "Association B", PASSWORD))
    world = World(relais, create_app(relais), org_a.id, org_b.id)
    for org, user in ((org_a, "+33610000001"), (org_a, "+33610000002"), (org_b, "+33610000003")):
        loop.run(world.ticket(org.id, user=user))
    return world


NOT_QUITE_URLS = [
    "https://evil.example",
    "null",
    "http://[::1",
    "http://[",
    "https://a:99999999999999999999",
    "://",
    "http://testserver:x",
]
"""Origin and Referer values a browser would not send: other sites, and no URLs at all."""


@st.composite
def inbox_requests(draw):
    """(method, (path, code), fields, body, headers, who, csrf, login cookie): the path holds
    {code}, for a ticket's code (see `ticket_code`) or anything."""
    action = draw(mostly(st.sampled_from(["repondre", "prendre", "clore"]), odd_text))
    action = urllib.parse.quote(action, safe="")
    method, path = draw(
        st.sampled_from(
            [
                ("GET", "/mediateurs"),
                ("GET", "/mediateurs/connexion"),
                ("POST", "/mediateurs/connexion"),
                ("POST", "/mediateurs/connexion"),
                ("POST", "/mediateurs/deconnexion"),
                ("GET", "/mediateurs/demandes/{code}"),
                ("POST", f"/mediateurs/demandes/{{code}}/{action}"),
                ("POST", f"/mediateurs/demandes/{{code}}/{action}"),
                ("POST", f"/mediateurs/demandes/{{code}}/{action}"),
                ("POST", f"/mediateurs/demandes/{{code}}/{action}"),
                ("GET", "/mediateurs/inbox.css"),
                (draw(st.sampled_from(METHODS)), "/mediateurs/{code}"),
            ]
        )
    )
    query = draw(
        st.dictionaries(
            st.sampled_from(["suite", "ok"]) | odd_text,
            st.sampled_from(["/mediateurs/demandes/R-2345", "envoye", "//evil.example"]) | odd_text,
            max_size=2,
        )
    )
    if query:
        path += "?" + urllib.parse.urlencode(query).replace("{", "%7B").replace("}", "%7D")
    code = draw(
        mostly(
            st.tuples(st.sampled_from(["as is", "lower", "spaced"]), st.integers(0, 1000)),
            st.tuples(st.just("odd"), odd_text | st.just("R" * 50)),
        )
    )
    fields = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "identifiant": mostly(
                    st.sampled_from([A_LOGIN, B_LOGIN, " MARIE@asso-a.fr "]), odd_text
                ),
                "mot_de_passe": mostly(st.sampled_from([PASSWORD, "faux mot de passe"]), odd_text),
                "suite": mostly(
                    st.sampled_from(["/mediateurs/demandes/R-2345", "https://evil.example"]),
                    odd_text,
                ),
                "texte": st.one_of(odd_text, odd_text, long_texts(), st.just("x" * 2001)),
                "confirme": mostly(st.just("oui"), odd_text),
            },
        )
    )
    fields |= draw(st.dictionaries(odd_text, odd_text, max_size=2))
    csrf = draw(mostly(st.just("right"), st.sampled_from(["random", "missing"])))
    body = draw(
        mostly(
            st.none(),  # the form, encoded as a browser does
            raw_bodies | st.just(b"&".join([b"a=1"] * 30)),
        )
    )
    kind = draw(mostly(st.just("application/x-www-form-urlencoded"), content_types))
    headers = {"content-type": kind}
    origin = draw(
        mostly(
            st.sampled_from([None, "http://testserver"]),
            st.sampled_from(NOT_QUITE_URLS) | ascii_text,
        )
    )
    if origin is not None:
        headers[draw(st.sampled_from(["origin", "referer"]))] = origin
    length = draw(mostly(st.none(), length_lies))
    if length is not None:
        headers["content-length"] = length
    who = draw(st.sampled_from(["nobody", "marie", "marie", "marie", "paul", "forged"]))
    login_cookie = draw(mostly(st.just("matching"), st.sampled_from(["none", "other"])))
    return method, (path, code), fields, body, headers, who, csrf, login_cookie


def ticket_code(codes: list[str], how: str, which: int | str) -> str:
    """One of the codes (as typed in some way), or anything else, for a path."""
    if how == "odd":
        code = str(which)
    else:
        code = codes[int(which) % len(codes)]
        code = {"as is": code, "lower": code.lower(), "spaced": code.replace("-", " ")}[how]
    return urllib.parse.quote(code, safe="")


def test_the_inbox_never_fails_whatever_it_is_sent(tmp_path: Path) -> None:
    with Loop() as loop, error_log() as errors:
        world = inbox_world(loop, tmp_path)
        relais = world.relais
        client = asgi_client(world.app, base_url="http://testserver")
        loop.cleanups.append(client.aclose)
        marie = loop.run(find_mediator(relais.db.conn, A_LOGIN))[0]
        paul = loop.run(find_mediator(relais.db.conn, B_LOGIN))[0]
        codes = [t.code for t in loop.run(tickets.list_tickets(relais.db.conn))]
        residents = iter(range(10_000, 99_999))

        @fuzz(150)
        @given(
            request=inbox_requests(),
            as_a_browser=st.booleans(),
            new_ticket=st.booleans(),
            login=urlsafe_tokens,
        )
        def one(request, as_a_browser, new_ticket, login) -> None:
            method, (path, code), fields, body, headers, who, csrf, login_cookie = request
            if as_a_browser:  # a page of the inbox sends its form: only the content is odd
                csrf, login_cookie, body, who = (
                    "right",
                    "matching",
                    None,
                    who.replace("forged", "marie"),
                )
                headers = {"content-type": "application/x-www-form-urlencoded"}
            path = path.replace("{code}", ticket_code(codes, *code))
            if new_ticket:
                org = world.org_a if next(residents) % 3 else world.org_b
                codes.append(loop.run(world.ticket(org, user=f"+336{next(residents)}")).code)
            cookies = {}
            session_csrf = ""
            if who in ("marie", "paul"):
                mediator = marie if who == "marie" else paul
                token, session_csrf = loop.run(
                    auth.create_session(relais.db, mediator, time.time())
                )
                cookies[SESSION_COOKIE] = token
            elif who == "forged":
                cookies[SESSION_COOKIE] = login
            if login_cookie != "none":
                cookies[LOGIN_COOKIE] = login if login_cookie == "matching" else login[::-1] + "x"
            if csrf == "right":  # the sign-in form's own token, or the session's
                signing_in = path.startswith("/mediateurs/connexion")
                fields["csrf"] = login if signing_in else session_csrf or login
            elif csrf == "random":
                fields["csrf"] = login + "y"
            if body is None:
                body = urllib.parse.urlencode(fields).encode()
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            client.cookies.clear()
            response = loop.run(client.request(method, path, content=body, headers=headers))
            assert response.status_code < 500, (method, path, fields, response.status_code)
            loop.run(check_database(relais.db.conn, relais.engine))
            errors.check()

        one()

"""The inbox in a real browser: headless Chromium on a phone-sized screen, against the real
`relais serve` process, from sign-in to a closed ticket. Screenshots go to build/screenshots."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import start
from bot.config import Settings
from bot.handoff.mediators import add_mediator, set_organisation
from tests.conftest import TESTS, start_serve
from tests.support.browser import fits_the_screen, started
from tests.support.inbox import waiting_ticket

SHOTS = TESTS.parent / "build" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LOGIN, PASSWORD = "samia@maison-services.fr", "un mot de passe solide"
SUMMARY = (
    "Sujet : CAF\nMessage de la personne (écrit en arabe, non traduit) :\n« لا أستطيع الدخول »"
)
REPLY = "Bonjour, venez mardi à 14 h à l'accueil."


async def prepare(db_path: Path) -> tuple[str, str]:
    """A mediator and two tickets of her organisation for residents on SMS: (older, newer)."""
    relais = await start(Settings(db=str(db_path), log_level="WARNING"))
    try:
        org = await set_organisation(relais.db, "Maison France Services de Bobigny")
        await add_mediator(relais.db, LOGIN, "Samia", org.name, PASSWORD)
        codes = []
        for age, user, summary in (
            (3600, "+33600000001", "Sujet : ameli"),
            (720, "+33600000002", SUMMARY),
        ):
            ticket = await waiting_ticket(
                relais,
                org.id,
                age=age,
                user=user,
                summary=summary,
                place_name="France Services de Bobigny",
            )
            codes.append(ticket.code)
        return codes[0], codes[1]
    finally:
        await relais.close()


@pytest.fixture
def server(db_path: Path) -> Iterator[tuple[str, str, str]]:
    """`relais serve` on a prepared database, with no channel configured: (URL, codes)."""
    older, newer = asyncio.run(prepare(db_path))
    process, port = start_serve(db_path)
    try:
        yield f"http://127.0.0.1:{port}", older, newer
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def big_enough(page, what: str, shot: Path) -> None:
    """Buttons and fields can be hit with a thumb: 44 px high at least."""
    script = (
        "els => els.filter(e => e.type !== 'hidden')"
        ".map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])"
    )
    for box in page.locator("main button, main input, main textarea").evaluate_all(script):
        assert box[1] >= 44, f"on the {what}, {box[0]} is {box[1]} px high: see {shot}"


def test_a_mediator_handles_a_ticket_on_a_phone(server: tuple[str, str, str]) -> None:
    try:
        from playwright.sync_api import Error, expect, sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: run `.venv/bin/pip install -e '.[test]'`")
    url, older, code = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    listing, ticket_shot = SHOTS / "inbox-phone.png", SHOTS / "inbox-ticket-phone.png"
    desktop, failure = SHOTS / "inbox-desktop.png", SHOTS / "inbox-failure.png"
    with sync_playwright() as playwright:
        browser = started(playwright)
        page = browser.new_page(**PHONE, locale="fr-FR")
        page.set_default_timeout(10_000)
        problems: list[str] = []
        # (Pages answered 401 or 404, like the wrong password's, are reported too: not those.)
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        try:
            page.goto(f"{url}/mediateurs")
            expect(page).to_have_title(re.compile("Connexion"))
            page.get_by_label("Identifiant").fill(LOGIN)
            page.get_by_label("Mot de passe").fill("pas le bon")
            page.get_by_role("button", name="Se connecter").tap()
            expect(page.get_by_role("alert")).to_contain_text(
                "Identifiant ou mot de passe incorrect"
            )
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").tap()

            expect(page.get_by_role("heading", name="Demandes en attente")).to_be_visible()
            cards = page.locator(".tickets a")
            expect(cards).to_have_count(2)
            expect(cards.first).to_contain_text(code)
            expect(cards.first).to_contain_text("il y a 12 min")
            expect(cards.nth(1)).to_contain_text(older)
            header = page.locator("header").evaluate("e => getComputedStyle(e).backgroundColor")
            assert header == "rgb(10, 74, 147)", f"the stylesheet did not load: see {listing}"
            page.screenshot(path=listing, full_page=True)
            fits_the_screen(page, "list of tickets", listing)

            cards.first.tap()
            expect(page.get_by_role("heading", name=f"Demande {code}")).to_be_visible()
            expect(page.locator(".summary")).to_contain_text("« لا أستطيع الدخول »")
            page.get_by_role("button", name="Je prends").tap()
            expect(page.get_by_role("status")).to_contain_text("Vous avez pris cette demande.")
            expect(page.locator(".facts")).to_contain_text("pris en charge par Samia")
            page.get_by_label("Votre message à la personne").fill(REPLY)
            page.get_by_role("button", name="Envoyer").tap()
            last = page.locator("#dernier")
            expect(last).to_contain_text(REPLY)
            expect(last).to_contain_text("Samia")
            expect(last).to_contain_text("en cours d'envoi")
            page.screenshot(path=ticket_shot, full_page=True)
            fits_the_screen(page, "ticket page", ticket_shot)
            big_enough(page, "ticket page", ticket_shot)

            page.get_by_role("button", name="Clore", exact=True).tap()
            page.get_by_role("button", name="Oui, clore").tap()

            expect(page.get_by_role("status")).to_contain_text("La demande est close.")
            expect(cards).to_have_count(1)
            expect(cards.first).to_contain_text(older)
            assert not problems, f"the browser reported errors: {problems}"

            desk = browser.new_page(viewport={"width": 1280, "height": 800}, locale="fr-FR")
            desk.goto(f"{url}/mediateurs/demandes/{older}")
            desk.get_by_label("Identifiant").fill(LOGIN)
            desk.get_by_label("Mot de passe").fill(PASSWORD)
            desk.get_by_role("button", name="Se connecter").click()
            expect(desk.get_by_role("heading", name=f"Demande {older}")).to_be_visible()
            desk.screenshot(path=desktop, full_page=True)
            fits_the_screen(desk, "ticket page on a desk computer", desktop)
        except (AssertionError, Error) as exc:
            page.screenshot(path=failure, full_page=True)
            raise AssertionError(f"{exc}\nthe page when it failed: {failure}") from exc
        finally:
            browser.close()

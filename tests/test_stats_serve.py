"""The figures after a scripted day, end to end: residents on SMS through a real `relais
serve` (every webhook delivered twice, as Twilio retries), hand-offs answered and closed by
a mediator in the web inbox, residents on Telegram through `relais simulate`; then `relais
stats`, its exports, an erasure, and the figures page in a real headless Chromium."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import urllib.parse
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.app import start
from bot.config import Settings
from bot.handoff.mediators import add_mediator, set_organisation
from bot.stats.days import PARIS, week_of
from tests.conftest import (
    FIXTURE_FLOWS,
    free_port,
    load_france_services,
    relais_command,
    start_serve,
)
from tests.support.browser import fits_the_screen, started
from tests.support.stats import PHONE, SHOTS
from tests.support.twilio import SID, TOKEN, messages, sms

SAINT_DENIS = "france-services:668"
ORG = "France Services Saint-Denis"
PASSWORD = "un mot de passe solide"
MEDIATOR, OPERATOR = "awa@fs93.fr", "direction@relais93.fr"
RESIDENTS = [f"+3361234560{n}" for n in range(5)]
NOTE = "Je n'arrive pas à me connecter au site"
REPLY = "Bonjour, venez mardi à 14 h avec votre téléphone."
ENV = {
    "RELAIS_FLOWS": str(FIXTURE_FLOWS),
    "RELAIS_TWILIO_ACCOUNT_SID": SID,
    "RELAIS_TWILIO_AUTH_TOKEN": TOKEN,
    "RELAIS_TWILIO_SENDER": "+33700000000",
}


async def prepare(db: Path) -> None:
    relais = await start(Settings(db=str(db), flows=(str(FIXTURE_FLOWS),), log_level="WARNING"))
    try:
        await load_france_services(relais.conversations)
        await set_organisation(relais.db, ORG, places=(SAINT_DENIS,))
        await add_mediator(relais.db, MEDIATOR, "Awa", ORG, PASSWORD)
        await add_mediator(relais.db, OPERATOR, "Direction", "Relais 93", PASSWORD, "operator")
    finally:
        await relais.close()


class Webhooks:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.sent = 0

    def post(self, sender: str, body: str) -> list[str]:
        """One SMS, delivered twice: the second answer is empty (processed once)."""
        self.sent += 1
        params = sms(body, f"SM{self.sent:032d}", sender)
        url = f"{self.url}/webhooks/twilio"
        signature = RequestValidator(TOKEN).compute_signature(url, params)
        answers = []
        for _ in range(2):
            response = httpx.post(
                url,
                content=urllib.parse.urlencode(params),
                headers={
                    "X-Twilio-Signature": signature,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            assert response.status_code == 200, response.text
            answers.append(messages(response.text))
        assert answers[1] == [], f"a redelivered SMS was answered again: {answers[1]}"
        return answers[0]


def hand_off(hooks: Webhooks, sender: str) -> str:
    """Language, the procedure, "no account" (to a person), where, the place, yes, words."""
    for body in ("bonjour", "1", "1", "non", "48.9426, 2.3816"):  # at the France Services door
        hooks.post(sender, body)
    consent = hooks.post(sender, "1")
    assert "Saint-Denis" in consent[-1], consent
    hooks.post(sender, "1")
    opened = "\n".join(hooks.post(sender, NOTE))
    return re.search(r"R-[2-9A-HJKMNP-Z]{4}", opened).group()


def inbox(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url)
    page = client.get("/mediateurs/connexion")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/mediateurs/connexion",
        data={"csrf": csrf, "identifiant": MEDIATOR, "mot_de_passe": PASSWORD},
    )
    assert answer.status_code == 303
    return client


def answer_and_close(client: httpx.Client, code: str) -> None:
    page = client.get(f"/mediateurs/demandes/{code}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    sent = client.post(f"/mediateurs/demandes/{code}/repondre", data={"csrf": csrf, "texte": REPLY})
    assert sent.status_code == 303, sent.text
    closed = client.post(
        f"/mediateurs/demandes/{code}/clore", data={"csrf": csrf, "confirme": "oui"}
    )
    assert closed.status_code == 303, closed.text


def simulate(db: Path, user: str, lines: list[str]) -> None:
    result = relais_command(
        "simulate",
        "--channel",
        "telegram",
        "--lang",
        "fr",
        "--user",
        user,
        "--db",
        str(db),
        input="".join(json.dumps({"text": line}) + "\n" for line in lines),
        env={"RELAIS_FLOWS": str(FIXTURE_FLOWS)},
    )
    assert result.returncode == 0, result.stderr


def stats(db: Path, *args: str) -> str:
    result = relais_command(
        "stats", "--db", str(db), *args, env={"RELAIS_FLOWS": str(FIXTURE_FLOWS)}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> Iterator[tuple[Path, str]]:
    """The scripted day, on a real server; (database, server URL), the server still up."""
    db = tmp_path_factory.mktemp("stats") / "relais.db"
    asyncio.run(prepare(db))
    port = free_port()
    url = f"http://127.0.0.1:{port}"  # the public address too: plain http on loopback
    process, port = start_serve(db, {**ENV, "RELAIS_PUBLIC_URL": url}, port)
    try:
        hooks = Webhooks(port)
        codes = [hand_off(hooks, sender) for sender in RESIDENTS]
        client = inbox(url)
        for code in codes:
            answer_and_close(client, code)
        for sender, helped in zip(RESIDENTS, ("1", "1", "1", "2", "2"), strict=True):
            hooks.post(sender, helped)  # "Est-ce que cela vous a aidé ?"
        for n in range(6):
            simulate(db, f"tg-{n}", ["bonjour", "demarche", "je sais pas trop", "oui", "oui"])
        yield db, url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)


def test_relais_stats_gives_exactly_the_scripted_counts(day) -> None:
    db, _ = day
    figures = json.loads(stats(db, "--json"))
    assert figures["conversations"] == 11
    demarche = figures["flows"]["demarche"]
    assert demarche["nodes"]["compte"] == {
        "reached": 11,
        "answered": 11,
        "left_here": 0,
        "reprompted": 6,
        "asked_for_a_person": 5,
    }
    assert demarche["nodes"]["marche"]["reached"] == 6
    assert demarche["outcomes"] == {"yes": 6, "no": 0, "none": 0}
    aide = figures["flows"]["aide"]["nodes"]
    assert aide["ou"]["reached"] == 5 and aide["ou"]["answered"] == 5
    assert aide["humain"]["reached"] == 5
    assert figures["languages"] == {"fr": {"conversations": 11, "handoffs": 5}}
    assert figures["channels"] == {
        "sms": {"conversations": 5, "handoffs": 5},
        "telegram": {"conversations": 6, "handoffs": 0},
    }
    handoffs = figures["handoffs"]
    assert (handoffs["opened"], handoffs["claimed"], handoffs["closed"]) == (5, 5, 5)
    assert handoffs["never_answered"] == 0
    assert handoffs["helped"] == {"yes": "<5", "no": "<5", "none": 0}
    assert handoffs["first_answer_minutes"]["answered"] == 5
    assert isinstance(handoffs["first_answer_minutes"]["median"], float)
    this_week = week_of(datetime.now(PARIS).date().isoformat())
    assert handoffs["weeks"] == {this_week: 5}
    place = handoffs["organisations"][ORG]["places"][SAINT_DENIS]
    assert place["opened"] == 5 and place["closed"] == 5
    assert figures["unmatched"] == [
        {
            "phrase": "je sais pas trop",
            "flow": "demarche",
            "node": "compte",
            "lang": "fr",
            "count": 6,
        }
    ]
    only = json.loads(stats(db, "--json", "--flow", "aide"))
    assert list(only["flows"]) == ["aide"]
    assert (
        json.loads(stats(db, "--json", "--since", "2000-01-01", "--until", "2000-01-02"))[
            "conversations"
        ]
        == 0
    )


def test_no_phone_number_or_message_text_in_any_export(day) -> None:
    db, url = day
    exports = stats(db, "--json") + stats(db, "--csv") + stats(db)
    operator = httpx.Client(base_url=url)
    page = operator.get("/mediateurs/connexion")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    operator.post(
        "/mediateurs/connexion",
        data={"csrf": csrf, "identifiant": OPERATOR, "mot_de_passe": PASSWORD},
    )
    csv_page = operator.get("/operateurs/chiffres.csv")
    assert csv_page.status_code == 200 and csv_page.text.startswith("section,item")
    # The page's form carries a random CSRF token, which may hold "R-" by chance.
    page_text = re.sub(r'name="csrf" value="[^"]*"', "", operator.get("/operateurs").text)
    exports += csv_page.text + page_text
    for secret in [*RESIDENTS, *(r[1:] for r in RESIDENTS), "61234560", NOTE, REPLY, "R-"]:
        assert secret not in exports, f"{secret!r} is in an export"
    assert "venez mardi" not in exports and "arrive pas" not in exports


def test_erasing_a_resident_leaves_the_figures_unchanged(day) -> None:
    db, url = day
    before = stats(db, "--json")
    hooks = Webhooks(int(url.rsplit(":", 1)[1]))
    hooks.sent = 1000
    hooks.post(RESIDENTS[0], "OUBLI")
    erased = hooks.post(RESIDENTS[0], "1")
    assert erased, "the erasure was not confirmed"
    assert stats(db, "--json") == before


def test_the_figures_page_shows_the_funnel_in_chromium(day) -> None:
    from playwright.sync_api import Error, expect, sync_playwright

    _, url = day
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone, desk, paper = (SHOTS / f"figures-{n}.png" for n in ("phone", "desktop", "print"))
    failure = SHOTS / "figures-failure.png"
    with sync_playwright() as playwright:
        browser = started(playwright)
        page = browser.new_page(**PHONE, locale="fr-FR")
        page.set_default_timeout(10_000)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: problems.append(r.url) if r.status == 404 else None)
        try:
            page.goto(f"{url}/operateurs")
            page.get_by_label("Identifiant").fill(OPERATOR)
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").tap()
            expect(page.get_by_role("heading", name="Chiffres de Relais")).to_be_visible()
            totals = page.locator(".totals")
            expect(totals).to_contain_text("11 conversations")
            expect(totals).to_contain_text("5 mises en relation")
            chart = page.get_by_role("img", name=re.compile("Parcours demarche"))
            expect(chart).to_be_visible()
            expect(chart).to_contain_text("compte · Avez-vous un compte ?")
            expect(chart).to_contain_text("11 · partis 0")
            bars = chart.locator("rect.reached")
            widths = bars.evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
            assert widths[0] > widths[-1] > 0, f"the funnel does not narrow: {widths}"
            rows = page.locator("tr", has_text=ORG)
            expect(rows.first).to_contain_text("5")
            expect(page.get_by_role("link", name="Télécharger en CSV")).to_be_visible()
            page.screenshot(path=phone, full_page=True)
            fits_the_screen(page, "figures page", phone)
            page.get_by_role("link", name="7 jours").tap()
            expect(page.locator(".totals")).to_contain_text("11 conversations")
            page.emulate_media(media="print")
            expect(page.locator("header.top")).to_be_hidden()
            page.screenshot(path=paper, full_page=True)
            missing = [p for p in problems if not p.endswith("/favicon.ico")]
            assert not [p for p in missing if not p.startswith("Failed to load")], missing

            wide = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            wide.goto(f"{url}/operateurs")
            wide.get_by_label("Identifiant").fill(MEDIATOR)
            wide.get_by_label("Mot de passe").fill(PASSWORD)
            wide.get_by_role("button", name="Se connecter").click()
            expect(wide.get_by_role("heading", name=f"Chiffres de Relais · {ORG}")).to_be_visible()
            expect(wide.locator("svg.funnel")).to_have_count(0)  # a mediator: her place only
            expect(wide.locator("tr.org")).to_have_count(1)
            wide.screenshot(path=desk, full_page=True)
        except (AssertionError, Error) as exc:
            page.screenshot(path=failure, full_page=True)
            raise AssertionError(f"{exc}\nthe page when it failed: {failure}") from exc
        finally:
            browser.close()

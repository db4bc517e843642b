"""RELAIS_DB / --db: a file path or sqlite:/// means SQLite, postgresql:// a server; a typo
is named with the forms that work, and a password never reaches a message."""

from __future__ import annotations

import pytest

from bot.store.address import parse_address
from bot.store.errors import DatabaseError


@pytest.mark.parametrize(
    ("given", "dialect", "location"),
    [
        ("relais.db", "sqlite", "relais.db"),
        ("/var/lib/relais/relais.db", "sqlite", "/var/lib/relais/relais.db"),
        ("sqlite:///relais.db", "sqlite", "relais.db"),
        ("sqlite:////var/lib/relais/relais.db", "sqlite", "/var/lib/relais/relais.db"),
        (":memory:", "sqlite", ":memory:"),
        (
            "postgresql://relais:pw@db:5432/relais",
            "postgresql",
            "postgresql://relais:pw@db:5432/relais",
        ),
        ("postgres://relais@db/relais", "postgresql", "postgresql://relais@db/relais"),
    ],
)
def test_each_form_names_its_backend(given: str, dialect: str, location: str) -> None:
    address = parse_address(given)
    assert (address.dialect, address.location) == (dialect, location)


def test_the_password_is_not_shown() -> None:
    shown = parse_address("postgresql://relais:s3cret@db.example.org:5433/relais").shown
    assert shown == "postgresql://relais:***@db.example.org:5433/relais"


@pytest.mark.parametrize("given", ["mysql://x@y/z", "sqlite://relais.db"])
def test_an_address_that_is_neither_is_named_with_the_forms_that_work(given: str) -> None:
    with pytest.raises(DatabaseError, match="sqlite:///"):
        parse_address(given)

"""The channel packages Relais has: every package under `bot/channels/` whose `__init__.py`
holds a `REGISTRATION` (the console has none: it is not served). Adding a channel adds its
package; nothing here changes."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

import bot.channels
from bot.channels.base import Channel, Registration, View

if TYPE_CHECKING:
    from bot.app import Relais


@cache
def registered() -> tuple[Registration, ...]:
    """The registrations, by name (the order `/healthz` lists the channels in)."""
    found = []
    for module in pkgutil.iter_modules(bot.channels.__path__):
        if module.ispkg:
            package = importlib.import_module(f"bot.channels.{module.name}")
            registration = getattr(package, "REGISTRATION", None)
            if isinstance(registration, Registration):
                found.append(registration)
    return tuple(sorted(found, key=lambda registration: registration.name))


def views() -> dict[str, View]:
    """Every conversation channel `relais chat` and `relais simulate` can show."""
    return {name: view for package in registered() for name, view in package.views.items()}


def mounted(relais: Relais, opened: tuple[Channel, ...]) -> list[Channel]:
    """The channels whose routes the web app serves: those opened, and the configured ones
    whose webhooks work from the settings alone."""
    given = {channel.name: channel for channel in opened}
    out = []
    for package in registered():
        channel = given.pop(package.name, None)
        if channel is None and package.configured(relais.settings):
            channel = package.webhooks(relais)
        if channel is not None:
            out.append(channel)
    return out + list(given.values())


async def open_configured(relais: Relais) -> list[Channel]:
    """For `relais serve`: every configured channel, opened; those opened are closed again
    if one fails (a missing setting names itself)."""
    opened: list[Channel] = []
    try:
        for package in registered():
            if package.configured(relais.settings):
                opened.append(await package.open(relais))
    except BaseException:
        await close_all(opened)
        raise
    return opened


async def close_all(channels: list[Channel]) -> None:
    for channel in reversed(channels):
        await channel.close()

"""The channel packages Relais has, in the order `/healthz` lists them. Adding a channel:
write its package, then add its registration here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels import telegram, twilio
from bot.channels.base import Channel, Registration, View

if TYPE_CHECKING:
    from bot.app import Relais

REGISTERED: tuple[Registration, ...] = (telegram.REGISTRATION, twilio.REGISTRATION)


def views() -> dict[str, View]:
    """Every conversation channel `relais chat` and `relais simulate` can show."""
    return {name: view for package in REGISTERED for name, view in package.views.items()}


def mounted(relais: Relais, opened: tuple[Channel, ...]) -> list[Channel]:
    """The channels whose routes the web app serves: those opened, and the configured ones
    whose webhooks work from the settings alone."""
    given = {channel.name: channel for channel in opened}
    out = []
    for package in REGISTERED:
        channel = given.pop(package.name, None)
        if channel is None and package.configured(relais.settings):
            channel = package.webhooks(relais)
        if channel is not None:
            out.append(channel)
    return out + list(given.values())


async def open_configured(relais: Relais) -> list[Channel]:
    """For `relais serve`: every configured channel, opened; closed again if one fails."""
    opened: list[Channel] = []
    try:
        for package in REGISTERED:
            if package.configured(relais.settings):
                opened.append(await package.open(relais))
    except BaseException:
        await close_all(opened)
        raise
    return opened


async def close_all(channels: list[Channel]) -> None:
    for channel in reversed(channels):
        await channel.close()

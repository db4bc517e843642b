"""What a channel package gives the rest of Relais, and how it plugs in.

A channel package (`bot/channels/<name>/`) owns its webhook routes, turns what arrives into
engine events, renders replies for its network and sends what is sent later. Its
`__init__.py` holds one `Registration`; `bot/channels/registry.py` lists them. `relais serve`
opens the configured channels, `bot/web/app.py` mounts their routes, the outbox gets their
senders, and `relais chat` and `relais simulate` show replies through their views (the same
renderers as production).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from bot.app import Relais
    from bot.config import Settings
    from bot.engine import Reply
    from bot.outbox import Sender
    from bot.window import Window


class Channel(Protocol):
    """A channel opened for `relais serve`: what the web app mounts and the outbox calls."""

    name: str

    def routes(self, settings: Settings) -> list[BaseRoute]: ...

    def senders(self) -> dict[str, Sender]: ...

    def windows(self) -> dict[str, Window]: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class View:
    """A reply as `relais chat` prints it and as `relais simulate` writes it, both made from
    the channel's production renderer."""

    console: Callable[[Reply], str]
    simulate: Callable[[Reply], dict[str, Any]]


def _no_webhooks(_relais: Relais) -> Channel | None:
    return None


@dataclass(frozen=True)
class Registration:
    """One channel package, as `bot/channels/registry.py` lists it."""

    name: str
    configured: Callable[[Settings], bool]
    open: Callable[[Relais], Awaitable[Channel]]
    """For `relais serve`: check the settings (ConfigError naming the missing one), open the
    clients."""
    webhooks: Callable[[Relais], Channel | None] = _no_webhooks
    """The channel's webhooks when they need nothing opened (no client, no connection): the
    web app mounts them from the settings alone when no opened channel is given."""
    views: Mapping[str, View] = field(default_factory=dict)
    """By conversation channel ("sms", "telegram"): how `relais chat` and `relais simulate`
    show a reply."""

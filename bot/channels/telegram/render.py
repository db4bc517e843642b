"""Telegram rendering: a reply as the messages, buttons and map pin Telegram shows. The
channel sends it; `relais chat` and `relais simulate` show the same rendering."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.display.bidi import for_display
from bot.display.telegram import pieces
from bot.engine.events import button_token

if TYPE_CHECKING:
    from bot.engine import Reply
    from bot.engine.outcome import PlaceView


def callback_data(key: str, index: int) -> str:
    """Opaque and short (Telegram allows 64 bytes): the question's token and the choice."""
    return f"{button_token(key)}:{index}"


@dataclass(frozen=True)
class TelegramMessage:
    """One reply on Telegram: its text (right-to-left marks placed), a button per choice, a
    link button, a map pin, or the "share my location" keyboard."""

    text: str
    choices: tuple[str, ...]
    key: str
    link: tuple[str, str] | None
    place: PlaceView | None
    ask_location: bool

    def texts(self) -> list[str]:
        """The messages to send: the text cut to Telegram's limit at line ends."""
        return pieces(self.text)

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of each choice, in order."""
        return [(label, callback_data(self.key, i)) for i, label in enumerate(self.choices)]


def render(reply: Reply) -> TelegramMessage:
    return TelegramMessage(
        text=for_display(reply.text, reply.lang),
        choices=reply.choices,
        key=reply.key or "",
        link=reply.link,
        place=reply.place,
        ask_location=reply.ask_location,
    )


# -- the same message, shown by `relais chat` and `relais simulate` ---------------------------


def console_view(reply: Reply) -> str:
    message = render(reply)
    lines = [message.text]
    if message.choices:
        lines.append(
            "  " + "  ".join(f"[{i}. {label}]" for i, label in enumerate(message.choices, 1))
        )
    if message.link:
        lines.append(f"  [🔗 {message.link[0]}: {message.link[1]}]")
    if message.place:
        place = message.place
        lines.append(f"  [📍 map: {place.latitude:.5f}, {place.longitude:.5f}]")
    if message.ask_location:
        lines.append("  [📍 Share my location]")
    return "\n".join(lines)


def simulate_view(reply: Reply) -> dict[str, Any]:
    message = render(reply)
    out: dict[str, Any] = {"text": message.text, "choices": list(message.choices)}
    if message.link:
        out["link"] = {"label": message.link[0], "url": message.link[1]}
    if message.place:
        place = message.place
        out["venue"] = {
            "latitude": place.latitude,
            "longitude": place.longitude,
            "title": place.title,
            "address": place.address,
        }
    if message.ask_location:
        out["ask_location"] = True
    return out

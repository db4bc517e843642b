"""`relais simulate`: a stable JSON-lines contract for testing Relais from outside.

One JSON object per input line (`text`, `button` or `location`, optional `id` and `now`);
exactly one JSON object per output line, flushed at once.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.app import Relais
from bot.channels.registry import views
from bot.engine import Button, Event, Location, Reply, Text
from bot.languages import direction


class BadLine(ValueError):
    pass


def parse_time(raw: str, name: str = "now") -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise BadLine(f"{name} must be an ISO-8601 date and time, got {raw!r}") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment


def render(channel: str, reply: Reply) -> dict[str, Any]:
    """The reply as the channel's own renderer makes it, as JSON."""
    out = views()[channel].simulate(reply)
    out["lang"] = reply.lang
    out["direction"] = direction(reply.lang)
    return out


class Simulator:
    def __init__(self, relais: Relais, channel: str, user: str, lang: str | None) -> None:
        self.relais = relais
        self.channel = channel
        self.user = user
        self.lang = lang

    async def event_from(self, data: Any) -> Event:
        if not isinstance(data, dict):
            raise BadLine('each line must be a JSON object such as {"text": "menu"}')
        kinds = [k for k in ("text", "button", "location") if k in data]
        if len(kinds) != 1:
            raise BadLine('give exactly one of "text", "button" or "location"')
        kind = kinds[0]
        value = data[kind]
        if kind == "text":
            if not isinstance(value, str):
                raise BadLine('"text" must be a string')
            return Text(value)
        if kind == "button":
            if self.channel != "telegram":
                raise BadLine("buttons exist on Telegram only: use --channel telegram")
            if not isinstance(value, str):
                raise BadLine('"button" must be the label of a button, as a string')
            session = await self.relais.conversations.peek(self.channel, self.user)
            key, labels = self.relais.engine.choices(session, datetime.now(UTC))
            if key is None or value not in labels:
                return Button("stale", 0)
            return Button(key, labels.index(value))
        if not isinstance(value, dict):
            raise BadLine('"location" must be an object such as {"lat": 48.9, "lon": 2.4}')
        lat, lon = value.get("lat"), value.get("lon")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
            raise BadLine('"location" needs numbers "lat" and "lon"')
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise BadLine('"location" is outside the Earth: lat -90..90, lon -180..180')
        return Location(float(lat), float(lon))

    async def line(self, raw: str, default_now: datetime | None) -> dict[str, Any]:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            return {"error": f"not valid JSON: {exc.msg} at column {exc.colno}"}
        try:
            event = await self.event_from(data)
            now = parse_time(data["now"]) if "now" in data else default_now
            external_id = data.get("id")
            if external_id is not None and not isinstance(external_id, str | int):
                raise BadLine('"id" must be a string or a number')
        except BadLine as exc:
            return {"error": str(exc)}
        handled = await self.relais.conversations.handle(
            self.channel,
            self.user,
            event,
            external_id=None if external_id is None else str(external_id),
            now=now,
            lang=self.lang or None,
        )
        out: dict[str, Any] = {
            "replies": [render(self.channel, r) for r in handled.replies],
            "flow": handled.session.flow or None,
            "node": handled.session.node or None,
        }
        if handled.duplicate:
            out["duplicate"] = True
        return out


async def run(
    relais: Relais,
    channel: str,
    user: str,
    lang: str | None,
    now: datetime | None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> None:
    simulator = Simulator(relais, channel, user, lang)
    while True:
        raw = stdin.readline()
        if not raw:
            break
        result = await simulator.line(raw, now)
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()

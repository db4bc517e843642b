"""Golden conversations: every procedure, from the main menu to its outcome, on both channels.

Scenarios live in tests/golden/*.yaml: the labels a resident picks, the facts that must be
shown (link, phone number, the step that matters) and the node where the path ends.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.conversations import Conversations
from bot.engine import Button, Engine, Text
from bot.flows import Question
from bot.simulator import render
from bot.store import open_database
from tests.conftest import NOON, TESTS

SCENARIOS = [
    scenario
    for path in sorted((TESTS / "golden").glob("*.yaml"))
    for scenario in yaml.safe_load(path.read_text(encoding="utf-8"))
]


class Resident:
    def __init__(self, conversations: Conversations, channel: str) -> None:
        self.conversations = conversations
        self.channel = channel
        self.shown: list[dict] = []
        self.last_choices: dict | None = None
        self.session = None

    async def send(self, event) -> None:
        handled = await self.conversations.handle(
            self.channel, "golden", event, now=NOON, lang="fr"
        )
        self.session = handled.session
        rendered = [render(self.channel, reply) for reply in handled.replies]
        assert rendered, f"no reply to {event!r}"
        self.shown.extend(rendered)
        pairs = zip(handled.replies, rendered, strict=True)
        keyed = [(reply, out) for reply, out in pairs if reply.choices]
        self.last_choices = {"reply": keyed[-1][0], "out": keyed[-1][1]} if keyed else None

    async def pick(self, label: str) -> None:
        assert self.last_choices, f"no choices on screen to pick {label!r}"
        reply, out = self.last_choices["reply"], self.last_choices["out"]
        if self.channel == "telegram":
            assert label in out["choices"], f"{label!r} not among the buttons {out['choices']}"
            await self.send(Button(reply.key, out["choices"].index(label)))
        else:
            numbered = dict(re.findall(r"^(\d+)\. (.+)$", out["text"], flags=re.MULTILINE))
            number = next((n for n, text in numbered.items() if text == label), None)
            assert number, f"{label!r} not in the numbered SMS menu:\n{out['text']}"
            await self.send(Text(number))

    def transcript(self) -> str:
        parts = []
        for out in self.shown:
            parts += [out["text"], *out["choices"]]
            if "link" in out:
                parts.append(out["link"]["url"])
        return "\n".join(parts)


@pytest.mark.parametrize("channel", ["sms", "telegram"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
async def test_procedure_reaches_its_outcome(
    scenario: dict, channel: str, shipped_engine: Engine, tmp_path: Path
) -> None:
    db = await open_database(tmp_path / "golden.db")
    resident = Resident(Conversations(db, shipped_engine), channel)
    await resident.send(Text("bonjour"))
    for label in scenario["answers"]:
        await resident.pick(label)
    transcript = resident.transcript()
    for fact in scenario["expect"]:
        assert fact in transcript, f"{fact!r} was never shown:\n{transcript}"
    assert f"{resident.session.flow}/{resident.session.node}" == scenario["ends_at"]
    if channel == "sms":
        assert all(out["segments"] <= 3 for out in resident.shown)

    node = shipped_engine.flows.get(resident.session.flow, resident.session.node)
    if isinstance(node, Question) and [c.label for c in node.choices] == ["Oui", "Non"]:
        if channel == "telegram":
            await resident.pick("Non")
            assert resident.session.flow == "aide", "'it did not work' must lead to a person"
        else:
            await resident.pick("Oui")
            assert resident.session.node != scenario["ends_at"].split("/")[1]
    await db.close()


def test_every_procedure_of_the_menu_has_a_golden_path(shipped_engine: Engine) -> None:
    """Each choice of each procedure's first question, under the menu and its submenus, is
    walked by at least one scenario."""
    walked = {
        tuple(s["answers"][:depth]) for s in SCENARIOS for depth in range(len(s["answers"]) + 1)
    }
    flows = shipped_engine.flows.flows

    def choice_paths(flow_id: str, prefix: tuple[str, ...]):
        flow = flows[flow_id]
        first = flow.nodes[flow.start]
        if not isinstance(first, Question):
            return
        for choice in first.choices:
            if choice.command:
                continue
            target = flow.nodes[choice.next]
            sub = getattr(target, "flow", None)
            if sub == "aide":
                continue
            if sub and isinstance(flows[sub].nodes[flows[sub].start], Question):
                yield from choice_paths(sub, (*prefix, choice.label))
            elif prefix:
                yield (*prefix, choice.label)

    paths = list(choice_paths("menu", ()))
    assert len(paths) >= 28, "the walk must reach every procedure of the menu"
    for path in paths:
        assert path in walked, f"no golden scenario for {' > '.join(path)}"

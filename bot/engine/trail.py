"""What happened at which node during one step: the typed record the statistics count.

The engine only notes facts it alone knows (a node reached, a question answered or missed,
a person asked for); the service turns them into anonymous counters in the same transaction
as the message (bot/stats/). Nothing here is stored with the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

REACHED = "reached"
"""The conversation arrived at the node (a question asked, a message said, …)."""
ANSWERED = "answered"
"""The resident answered the node's question: `choice` is the picked choice, if any."""
MISSED = "missed"
"""The answer matched nothing and the question was asked again; `text` is what was typed
(already masked), only for a question's choices: the words a flow could learn."""
HELP = "help"
"""The resident asked for a person (AIDE, or the offered "Parler à une personne") here."""


@dataclass(frozen=True)
class Mark:
    kind: str
    flow: str
    node: str
    choice: int | None = None
    text: str = ""

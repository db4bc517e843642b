"""Random event sequences through every flow: always a reply, always a valid state."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import (
    Engine,
)
from tests.support.random_conversations import run_random_conversation

EXAMPLES = int(os.environ.get("RELAIS_PROPERTY_EXAMPLES", "300"))
"""How many random conversations to try; raise it for a longer search."""


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_events_through_the_shipped_flows(shipped_engine: Engine, data) -> None:
    run_random_conversation(shipped_engine, data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_events_through_the_test_flows(engine: Engine, data) -> None:
    run_random_conversation(engine, data)

"""How long Relais keeps things: the periods `relais purge` applies (bot/privacy/erasure.py).

Defaults, each changed by an environment variable (see the README):
- a conversation nobody wrote in for 30 days is deleted (RELAIS_KEEP_SESSIONS_DAYS), unless
  it is with a mediator on an open ticket;
- a closed ticket loses its content after 90 days (RELAIS_ANONYMISE_TICKETS_DAYS): summary,
  messages and the resident's address go, the code, place, topic, language, dates and the
  "did it help?" answer stay for the statistics; it is deleted after 365 days
  (RELAIS_DELETE_TICKETS_DAYS), with its audit lines;
- the ids of processed messages are kept 72 hours (RELAIS_KEEP_MESSAGE_IDS_HOURS): longer
  than Telegram and Twilio go on retrying a delivery, which is all they are for;
- expired sign-in sessions and old sign-in failures are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86400.0


@dataclass(frozen=True)
class Retention:
    sessions_days: float = 30
    anonymise_tickets_days: float = 90
    delete_tickets_days: float = 365
    message_ids_hours: float = 72

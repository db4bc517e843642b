"""Opt-in deadline reminders: the deadlines (flows/deadlines.yaml), who asked for which, and
the scheduler inside `relais serve` that queues them when due."""

from bot.reminders.deadlines import Deadline, DeadlineError, Deadlines, read_deadlines

__all__ = ["Deadline", "DeadlineError", "Deadlines", "read_deadlines"]

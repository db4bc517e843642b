"""The reminders dialogue: offered at the end of a procedure with a deadline, chosen from the
"Rappels" entry, answered when one arrives ("C'est fait" / "Aidez-moi"), ended by STOP, OUBLI
or "arrêter les rappels". Pure like the rest of the engine: what is decided goes out as
effects (`Remind`, `Unremind`) that the service writes to the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.engine import texts
from bot.engine.effects import Remind, Unremind
from bot.engine.events import Button, Event, Text
from bot.i18n import N_
from bot.places.hours import PARIS
from bot.text import normalize

if TYPE_CHECKING:
    from bot.engine.turn import TurnBase

REMINDER_KEY = "!reminder"
OFFER_KEY = "!remind-offer"
MONTH_KEY = "!remind-month"
MENU_KEY = "!reminders"


@dataclass(frozen=True)
class ReminderDue:
    """The scheduler: a reminder the person asked for is due now (never typed by them)."""

    purpose: str


NAMES = {
    "actualisation": N_("Actualisation France Travail"),
    "declaration_caf": N_("Déclaration CAF tous les 3 mois"),
}
OFFERS = {
    "actualisation": N_("Voulez-vous un rappel chaque mois, le jour où l'actualisation ouvre ?"),
    "declaration_caf": N_("Voulez-vous un rappel tous les 3 mois pour la déclaration CAF ?"),
}
DUE = {
    "actualisation": N_(
        "Rappel de Relais : l'actualisation France Travail est ouverte. Faites-la avant le "
        "{closes} du mois prochain, à minuit."
    ),
    "declaration_caf": N_(
        "Rappel de Relais : votre déclaration CAF de tous les 3 mois est sans doute à faire "
        "ce mois-ci. La CAF vous envoie un e-mail quand elle est prête."
    ),
}
REMIND_YES = N_("Oui, me le rappeler")
NO_REMINDER = N_("D'accord, pas de rappel.")
MONTH_ASK = N_(
    "En quel mois avez-vous fait votre dernière déclaration CAF ? Écrivez le numéro du mois. "
    "Exemple : 9 pour septembre"
)
MONTH_RETRY = N_("Écrivez le numéro du mois, de 1 à 12. Exemple : 9 pour septembre")
REMINDER_SET = N_(
    "C'est noté. Prochain rappel le {date}. Pour arrêter, écrivez ARRÊTER LES RAPPELS."
)
MENU_ASK = N_("Quel rappel voulez-vous ?")
STOP_ALL = N_("Arrêter les rappels")
ALL_STOPPED = N_("C'est fait : vous ne recevrez plus de rappel.")
NONE_HELD = N_("Vous n'avez aucun rappel.")
YOURS = N_("Vos rappels : {names}.")
DONE = N_("C'est fait")
HELP_ME = N_("Aidez-moi")
WELL_DONE = N_("Bravo ! Je vous écrirai la prochaine fois.")
PRIVACY = N_(
    "Si vous demandez un rappel, je garde votre langue et la date du rappel. STOP ou OUBLI "
    "l'arrêtent."
)


def available(turn: TurnBase) -> bool:
    return turn.settings.deadlines is not None


def due(turn: TurnBase, event: ReminderDue) -> None:
    """Say the reminder, with "C'est fait" / "Aidez-moi"."""
    s, deadline = turn.s, turn.settings.deadlines and turn.settings.deadlines.get(event.purpose)
    if s.is_new or s.stopped or deadline is None or event.purpose not in s.reminders:
        turn.effects.append(Unremind(event.purpose))
        return
    text = turn.tr.text(DUE[event.purpose]).format(closes=deadline.closes)
    s.last_seen = turn.now.timestamp()  # the answer continues this, not a visit after weeks
    if s.ticket:  # with a mediator: no question that would catch their next message
        turn.add(text)
        return
    choices = (turn.tr.text(DONE), turn.tr.text(HELP_ME))
    s.pending = f"reminded:{event.purpose}"
    turn.add(text, choices, key=f"{REMINDER_KEY}:{event.purpose}")


def offer_after(turn: TurnBase, flow_id: str, node_id: str) -> bool:
    """At the end of a procedure with a deadline: offer its reminder (once it is not held)."""
    deadlines = turn.settings.deadlines
    deadline = deadlines.offered_after(flow_id, node_id) if deadlines else None
    if deadline is None or deadline.id in turn.s.reminders or deadline.id not in OFFERS:
        return False
    turn.s.pending = f"remind-offer:{deadline.id}"
    ask(turn, turn.s.pending)
    return True


def ask(turn: TurnBase, pending: str) -> None:
    """Ask (again) the reminders question awaiting an answer."""
    kind, _, purpose = pending.partition(":")
    if kind == "remind-offer":
        choices = (turn.tr.text(REMIND_YES), turn.tr.text(texts.NO))
        turn.add(turn.tr.text(OFFERS[purpose]), choices, key=OFFER_KEY)
    elif kind == "remind-month":
        turn.add(turn.tr.text(MONTH_ASK))
    elif kind == "reminded":
        choices = (turn.tr.text(DONE), turn.tr.text(HELP_ME))
        turn.add(
            turn.tr.text(DUE[purpose]).format(closes=_closes(turn, purpose)),
            choices,
            key=f"{REMINDER_KEY}:{purpose}",
        )
    else:
        held = [turn.tr.text(NAMES[p]) for p in turn.s.reminders if p in NAMES]
        if held:
            turn.add(turn.tr.text(YOURS).format(names=", ".join(held)))
        choices = tuple(turn.tr.text(NAMES[d.id]) for d in _offered(turn))
        turn.add(turn.tr.text(MENU_ASK), (*choices, turn.tr.text(STOP_ALL)), key=MENU_KEY)


def menu(turn: TurnBase) -> None:
    """The "Rappels" entry (a flow choice or the word RAPPELS)."""
    if not available(turn):
        turn.say(NONE_HELD)
        turn.say(texts.CONTINUE)
        return
    turn.s.pending = "reminders"
    ask(turn, "reminders")


def stop_all(turn: TurnBase) -> None:
    had = bool(turn.s.reminders)
    turn.s.reminders = {}
    turn.effects.append(Unremind(None))
    turn.say(ALL_STOPPED if had else NONE_HELD)


def answer(turn: TurnBase, pending: str, event: Event) -> None:
    kind, _, purpose = pending.partition(":")
    if kind == "remind-offer":
        yes = turn.yes_no(event, OFFER_KEY, REMIND_YES)
        if yes == 0:
            start(turn, purpose)
        elif yes == 1:
            turn.say(NO_REMINDER)
            turn.say(texts.CONTINUE)
        else:
            turn.answer(event)
    elif kind == "remind-month":
        month = parse_month(event)
        if month is None:
            turn.s.pending = pending
            turn.say(MONTH_RETRY)
            return
        remind(turn, purpose, month)
    elif kind == "reminded":
        picked = turn.pick(
            event,
            f"{REMINDER_KEY}:{purpose}",
            [
                [turn.tr.text(DONE), DONE, "fait", "ok"],
                [turn.tr.text(HELP_ME), HELP_ME, "aide"],
            ],
        )
        if picked == 0:
            turn.say(WELL_DONE)
            turn.restart()
        elif picked == 1:
            deadline = turn.settings.deadlines.get(purpose)
            turn.enter(*deadline.help.split("/", 1))
        else:
            turn.answer(event)
    else:
        options = [[turn.tr.text(NAMES[d.id]), NAMES[d.id]] for d in _offered(turn)]
        options.append([turn.tr.text(STOP_ALL), STOP_ALL])
        picked = turn.pick(event, MENU_KEY, options)
        if picked is None:
            turn.s.pending = "reminders"
            turn.say(texts.NOT_UNDERSTOOD)
            ask(turn, "reminders")
        elif picked == len(options) - 1:
            stop_all(turn)
            turn.say(texts.CONTINUE)
        else:
            start(turn, _offered(turn)[picked].id)


def start(turn: TurnBase, purpose: str) -> None:
    deadline = turn.settings.deadlines.get(purpose)
    if deadline.asks_month:
        turn.s.pending = f"remind-month:{purpose}"
        ask(turn, turn.s.pending)
    else:
        remind(turn, purpose, None)


def remind(turn: TurnBase, purpose: str, month: int | None) -> None:
    next_at = turn.settings.deadlines.next_due(purpose, turn.now.timestamp(), month)
    turn.s.reminders = {**turn.s.reminders, purpose: month}
    turn.effects.append(Remind(purpose, turn.lang, next_at, month))
    date = datetime.fromtimestamp(next_at, PARIS).strftime("%d/%m/%Y")
    turn.add(turn.tr.text(REMINDER_SET).format(date=date))
    turn.say(texts.CONTINUE)


def privacy_lines(turn: TurnBase) -> list[str]:
    """For DONNÉES: how reminders are kept, and the person's own."""
    if not available(turn):
        return []
    lines = [turn.tr.text(PRIVACY)]
    held = [turn.tr.text(NAMES[p]) for p in turn.s.reminders if p in NAMES]
    if held:
        lines.append(turn.tr.text(YOURS).format(names=", ".join(held)))
    return lines


def parse_month(event: Event) -> int | None:
    if isinstance(event, Button) or not isinstance(event, Text):
        return None
    text = normalize(event.text)
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    for number, names in enumerate(_FRENCH_MONTHS, start=1):
        if text in names:
            return number
    return None


_FRENCH_MONTHS = (
    ("janvier", "janv"),
    ("fevrier", "fevr", "fev"),
    ("mars",),
    ("avril", "avr"),
    ("mai",),
    ("juin",),
    ("juillet", "juil"),
    ("aout",),
    ("septembre", "sept"),
    ("octobre", "oct"),
    ("novembre", "nov"),
    ("decembre", "dec"),
)


def _offered(turn: TurnBase):
    return [d for d in turn.settings.deadlines.items if d.id in NAMES]


def _closes(turn: TurnBase, purpose: str) -> int | None:
    deadline = turn.settings.deadlines.get(purpose) if turn.settings.deadlines else None
    return deadline.closes if deadline else None

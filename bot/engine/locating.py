"""Where the person is, as a short dialogue, and the places near them to pick from.

The places node asks where the person is. What they write is read against every commune
of France (`bot.places.locate`): a clear position shows the nearest places; a name shared by
several communes gets a short choice with the département; a close misspelling gets
"Vouliez-vous dire … ?"; anything else gets what was understood and what to write, once,
then the national fallback (phone lines, locator). A person who cannot travel can say so
under the places: mobile services and help at a distance then come first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.engine import texts
from bot.engine.events import Event, Location, Media, Text
from bot.engine.outcome import PlaceView
from bot.engine.trail import ANSWERED, MISSED
from bot.flows import Places
from bot.i18n import N_
from bot.places.cards import card, fallback_text, venue
from bot.places.communes import communes
from bot.places.geo import Where, departement
from bot.places.locate import Located, location, of_commune
from bot.places.ranking import COMES_TO_YOU
from bot.places.search import HOME_RADIUS_KM

if TYPE_CHECKING:
    from bot.engine.turn import TurnBase

PLACE_KEY = "!place"
COMMUNE_KEY = "!commune"
PENDING = ("commune", "spelling")
"""The system questions of this dialogue (Session.pending)."""

COMMUNE_ASK = N_("Plusieurs communes portent ce nom. Laquelle ?")
SPELLING_ASK = N_("Vouliez-vous dire… ?")
COMMUNE_OTHER = N_("Une autre")
CANNOT_TRAVEL = N_("Je ne peux pas me déplacer")
DEPARTEMENT = N_(
    "{number} est un numéro de département. Écrivez votre code postal (5 chiffres, "
    "par exemple {example}) ou votre ville."
)
CEDEX = N_(
    "{code} n'est pas le code postal d'une commune (code CEDEX ?). Écrivez le code "
    "postal de votre domicile ou votre ville."
)
UNKNOWN_CODE = N_(
    "Le code postal {code} n'existe pas. Écrivez votre code postal (5 chiffres) ou votre ville."
)
AT_SEA = N_("Cette position n'est pas en France. Écrivez votre code postal ou votre ville.")


def need(turn: TurnBase) -> str:
    """What the places must offer: the node's need (learning, internet…), else the topic."""
    node = turn.current()
    return (node.need if isinstance(node, Places) else None) or turn.topic()


def answer(turn: TurnBase, node: Places, event: Event) -> None:
    """The answer to the places node: a postal code, a commune or a shared location."""
    if isinstance(event, Text):
        located = turn.settings.places.locate(event.text)
    elif isinstance(event, Location):
        located = location(event.lat, event.lon)
    else:
        turn.say(texts.NOT_TEXT if isinstance(event, Media) else texts.STALE_BUTTON)
        turn.ask(node)
        return
    settle(turn, node, located)


def settle(turn: TurnBase, node: Places, located: Located) -> None:
    s = turn.s
    if located.where is not None:
        found(turn, node, located.where)
    elif located.options:
        s.communes = []
        for commune in located.options:
            where = of_commune(commune)
            label = commune.label(departement=True)
            s.communes.append([label, where.lat, where.lon, where.label, where.postal_code])
        s.pending = "commune" if located.kind == "choose" else "spelling"
        ask_commune(turn, s.pending)
    else:
        missed(turn, node, located)


def missed(turn: TurnBase, node: Places, located: Located) -> None:
    """Say what was understood and what to write; the second time, the national fallback."""
    s = turn.s
    s.misses += 1
    if s.misses < 2:
        turn.mark(MISSED, node.id)
        turn.add(explanation(turn, located))
        turn.ask(node)
        return
    turn.mark(ANSWERED, node.id)
    turn.add(fallback_text(turn.topic(), turn.tr, locator=turn.settings.locator))
    s.remember(s.flow, node.id, "")
    s.push_back(s.flow, node.id)
    s.place, s.where = [], []
    turn.enter(s.flow, node.next)


def explanation(turn: TurnBase, located: Located) -> str:
    t, x = turn.tr, located.understood
    if located.kind == "empty":
        return t.text(texts.EMPTY_MESSAGE) + "\n" + t.text(texts.PLACE_NOT_FOUND)
    if located.kind == "departement":
        example = next((c for c in communes().postal_codes if departement(c) == x), "93200")
        return t.text(DEPARTEMENT).format(number=x, example=example)
    if located.kind == "cedex":
        return t.text(CEDEX).format(code=x)
    if located.kind == "unknown_code":
        return t.text(UNKNOWN_CODE).format(code=x)
    if located.kind == "at_sea":
        return t.text(AT_SEA)
    return t.text(texts.PLACE_NOT_FOUND)


def found(turn: TurnBase, node: Places, where: Where) -> None:
    s = turn.s
    s.misses = 0
    turn.mark(ANSWERED, node.id)
    s.remember(s.flow, node.id, where.postal_code or where.label)
    s.push_back(s.flow, node.id)
    s.place = []
    s.where = [where.lat, where.lon, where.label, where.approximate, where.precise]
    if show_places(turn, where):
        return
    turn.enter(s.flow, node.next)


def ask_commune(turn: TurnBase, pending: str) -> None:
    question = COMMUNE_ASK if pending == "commune" else SPELLING_ASK
    labels = (*(option[0] for option in turn.s.communes), turn.tr.text(COMMUNE_OTHER))
    turn.add(turn.tr.text(question), labels, key=COMMUNE_KEY)


def answer_commune(turn: TurnBase, pending: str, event: Event) -> None:
    s = turn.s
    node = turn.current()
    if not isinstance(node, Places):
        turn.restart()
        return
    options = [[option[0]] for option in s.communes]
    options.append([turn.tr.text(COMMUNE_OTHER), COMMUNE_OTHER])
    picked = turn.pick(event, COMMUNE_KEY, options)
    if picked is not None and picked < len(s.communes):
        _, lat, lon, label, code = s.communes[picked]
        s.communes = []
        found(turn, node, Where(lat, lon, label, "commune", code, approximate=not code))
        return
    s.communes = []
    if picked is None and isinstance(event, Text | Location):
        answer(turn, node, event)  # another name, code or location: read it as such
        return
    turn.ask(node)


# -- the places, and which one ------------------------------------------------------------


def show_places(turn: TurnBase, where: Where) -> bool:
    """The nearest places as cards, then the question which one; False when none."""
    index, s = turn.settings.places, turn.s
    travel = not s.home
    ranked = index.nearest(where, need(turn), turn.lang, turn.now, travel=travel)
    if not ranked:
        turn.add(fallback_text(turn.topic(), turn.tr, locator=turn.settings.locator))
        return False
    turn.add(turn.tr.text(texts.PLACES_NEAR).format(place=where.label))
    for item in ranked:
        show_place(turn, item)
    s.offered = [
        [item.place.key, item.place.name, round(item.distance_km, 2), item.near] for item in ranked
    ]
    s.pending = "place"
    ask_place(turn)
    return True


def show_place(turn: TurnBase, found) -> None:
    compact = card(found, turn.lang, turn.now, translator=turn.tr, compact=True)
    view = PlaceView(compact, **venue(found))
    turn.add(card(found, turn.lang, turn.now, translator=turn.tr), place=view)


def show_picked_place(turn: TurnBase) -> None:
    s = turn.s
    if not s.place or turn.settings.places is None:
        return
    key, _, distance, *near = s.place
    found = turn.settings.places.ranked(key, distance, turn.now, *near[:1])
    if found is not None:
        show_place(turn, found)


def _home_offer(turn: TurnBase) -> bool:
    """Whether to offer "I cannot travel": a mobile or remote service is within reach."""
    s = turn.s
    if s.home or not s.where or turn.settings.places is None:
        return False
    where = Where(s.where[0], s.where[1], s.where[2], "commune")
    nearby = turn.settings.places.within(where, HOME_RADIUS_KM)
    return any(bits & COMES_TO_YOU for _, _, bits in nearby)


def ask_place(turn: TurnBase) -> None:
    names = [name for _, name, *_ in turn.s.offered]
    names.append(turn.tr.text(texts.PLACE_NONE))
    if _home_offer(turn):
        names.append(turn.tr.text(CANNOT_TRAVEL))
    turn.add(turn.tr.text(texts.PLACE_PICK), tuple(names), key=PLACE_KEY)


def answer_place(turn: TurnBase, event: Event) -> None:
    s = turn.s
    options = [[name] for _, name, *_ in s.offered]
    options.append([turn.tr.text(texts.PLACE_NONE), texts.PLACE_NONE])
    home = _home_offer(turn)
    if home:
        options.append([turn.tr.text(CANNOT_TRAVEL), CANNOT_TRAVEL])
    picked = turn.pick(event, PLACE_KEY, options)
    node = turn.current()
    if home and picked == len(s.offered) + 1:
        s.home = True
        where = Where(*s.where[:3], "commune", approximate=s.where[3], precise=s.where[4])
        if show_places(turn, where):
            return
        turn.enter(s.flow, node.next if isinstance(node, Places) else s.node)
        return
    if picked is None:
        # Another postal code, town or shared location: search again.
        located = None
        if isinstance(event, Text):
            located = turn.settings.places.locate(event.text)
        elif isinstance(event, Location):
            located = location(event.lat, event.lon)
        if located is not None and located.where is not None:
            new = located.where
            s.where = [new.lat, new.lon, new.label, new.approximate, new.precise]
            if show_places(turn, new):
                return
        if located is not None and located.options and isinstance(node, Places):
            settle(turn, node, located)
            return
        s.pending = "place"
        turn.say(texts.NOT_UNDERSTOOD)
        ask_place(turn)
        return
    s.place = s.offered[picked] if picked < len(s.offered) else []
    turn.enter(s.flow, node.next if isinstance(node, Places) else s.node)

"""The ticket's summary, in French for the mediator whatever the resident's language.

It is built from the path the person took, stored as flow and node ids and choice numbers,
so each step reads back in the flows' French source. Only what the person typed themselves
is shown as written, with its language named.
"""

from __future__ import annotations

from bot.flows import FlowSet, Question
from bot.languages import french_name, native_name

TOPICS_FR = {
    "caf": "CAF",
    "france_travail": "France Travail",
    "pronote": "Pronote (école)",
    "ameli": "ameli (Assurance Maladie)",
    "titres": "France Titres (papiers d'identité, permis, carte grise)",
    "sejour": "Titre de séjour (ANEF)",
    "impots": "Impôts",
    "retraite": "Retraite",
    "other": "Autre",
}
CHANNELS_FR = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram", "console": "terminal"}


def language_fr(lang: str) -> str:
    return "français" if lang == "fr" else f"{french_name(lang)} ({native_name(lang)})"


def answer_fr(flows: FlowSet, step: list, lang: str) -> tuple[str, str] | None:
    """(question, answer) of one step, in French; None for a step that is not an answer."""
    flow_id, node_id, answer = step
    node = flows.get(flow_id, node_id)
    if node is None or answer is None:
        return None
    question = getattr(node, "text", "") or node_id
    if isinstance(node, Question) and isinstance(answer, int):
        if answer >= len(node.choices):
            return None
        return question, node.choices[answer].label
    typed = str(answer)
    if lang != "fr" and not typed.replace(" ", "").isdigit():
        typed = f"« {typed} » (écrit en {french_name(lang)})"
    return question, typed


def procedure_fr(flows: FlowSet, path: list[list]) -> str:
    """The procedure the person was in before asking for help: the flow's title."""
    skip = {flows.main, flows.handoff}
    for flow_id, _, _ in reversed(path):
        if flow_id not in skip and flow_id in flows.flows:
            return flows.flows[flow_id].title
    return ""


def summarise(flows: FlowSet, data: dict, channel: str) -> str:
    """The summary as plain French text (Telegram shows it as is, the web inbox too)."""
    lang = data.get("lang") or "fr"
    path = data.get("path") or []
    lines = [f"Sujet : {TOPICS_FR.get(data.get('topic', 'other'), 'Autre')}"]
    if data.get("helping"):
        lines.append(
            "Qui écrit : une personne qui aide (un proche, un voisin...), "
            "pas la personne concernée par la démarche."
        )
        lines.append("Personne concernée : la personne aidée. Demandez-lui son accord.")
    procedure = procedure_fr(flows, path)
    if procedure:
        lines.append(f"Démarche : {procedure}")
    stuck = data.get("stuck")
    node = flows.get(stuck[0], stuck[1]) if stuck else None
    if node is not None:
        lines.append(f"Bloqué à la question : « {getattr(node, 'text', '') or stuck[1]} »")
    answers = [found for step in path if (found := answer_fr(flows, step, lang))]
    if answers:
        lines.append("Réponses données :")
        lines.extend(f"- {question} → {answer}" for question, answer in answers)
    lines.append(f"Langue : {language_fr(lang)}")
    lines.append(f"Canal : {CHANNELS_FR.get(channel, channel)}")
    place = data.get("place") or []
    if len(place) >= 2:
        lines.append(f"Lieu choisi : {place[1]}")
    note = (data.get("note") or "").strip()
    if note:
        written = "" if lang == "fr" else f" (écrit en {french_name(lang)}, non traduit)"
        lines.append(f"Message de la personne{written} :")
        lines.append(f"« {note} »")
    return "\n".join(lines)

"""The figures of a period, read from the counters; and the same with small counts hidden,
as every export shows them (`relais stats`, the figures page, its CSV, the flow graphs)."""

from __future__ import annotations

import csv
import io
import math
import statistics
from typing import Any

from bot.flows import FlowSet
from bot.stats.count import NODE_COLUMNS
from bot.stats.days import week_of
from bot.stats.outcomes import is_outcome_question
from bot.stats.tickets import TICKET_COLUMNS
from bot.store.connection import Connection

SMALL = 5
"""Counts from 1 to SMALL - 1 are shown as "<5": too few to be anonymous."""
HIDDEN = f"<{SMALL}"
FUNNEL = ("reached", "answered", "left_here", "reprompted", "asked_for_a_person")
HANDOFF = ("opened", "claimed", "closed", "never_answered")


def _where(since: str | None, until: str | None, extra: dict[str, str] | None = None):
    clauses, params = [], []
    if since:
        clauses.append("day >= ?")
        params.append(since)
    if until:
        clauses.append("day <= ?")
        params.append(until)
    for column, value in (extra or {}).items():
        clauses.append(f"{column} = ?")
        params.append(value)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _minutes(seconds: list[float]) -> dict[str, Any]:
    """Median and 90th percentile (nearest rank) of the first-answer delays, in minutes."""
    if not seconds:
        return {"answered": 0, "median": None, "p90": None}
    ordered = sorted(seconds)
    p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]
    return {
        "answered": len(ordered),
        "median": round(statistics.median(ordered) / 60, 1),
        "p90": round(p90 / 60, 1),
    }


async def figures(
    conn: Connection,
    *,
    since: str | None = None,
    until: str | None = None,
    flow: str | None = None,
    organisation: str | None = None,
    flows: FlowSet | None = None,
) -> dict[str, Any]:
    """Every figure of the period, exact. With `organisation`, only that organisation's
    hand-offs (what one of its mediators may see)."""
    out: dict[str, Any] = {"period": {"since": since, "until": until}}
    handoffs = await _handoffs(conn, since, until, organisation)
    if organisation is not None:
        return {**out, "handoffs": handoffs}
    people = await _conversations(conn, since, until, flow, flows)
    order = ("conversations", "flows", "handoffs", "languages", "channels", "unmatched")
    people["handoffs"] = handoffs
    return {**out, **{key: people[key] for key in order}}


async def _conversations(conn, since, until, flow, flows) -> dict[str, Any]:
    where, params = _where(since, until)
    rows = await conn.execute_fetchall(
        "SELECT lang, channel, SUM(conversations), SUM(languages), SUM(handoffs) "
        f"FROM stats_people{where} GROUP BY lang, channel",
        params,
    )
    languages: dict[str, dict[str, int]] = {}
    channels: dict[str, dict[str, int]] = {}
    total = 0
    for lang, channel, conversations, known, handoffs in rows:
        total += conversations
        by_lang = languages.setdefault(lang, {"conversations": 0, "handoffs": 0})
        by_lang["conversations"] += known
        by_lang["handoffs"] += handoffs
        by_channel = channels.setdefault(channel, {"conversations": 0, "handoffs": 0})
        by_channel["conversations"] += conversations
        by_channel["handoffs"] += handoffs
    languages = {k: v for k, v in sorted(languages.items()) if any(v.values())}
    where, params = _where(since, until, {"flow": flow} if flow else None)
    sums = ", ".join(f"SUM({c})" for c in NODE_COLUMNS)
    rows = await conn.execute_fetchall(
        f"SELECT flow, node, {sums} FROM stats_nodes{where} GROUP BY flow, node", params
    )
    by_flow: dict[str, dict[str, dict[str, int]]] = {}
    for flow_id, node, *values in rows:
        by_flow.setdefault(flow_id, {})[node] = dict(zip(NODE_COLUMNS, values, strict=True))
    return {
        "conversations": total,
        "flows": {f: _flow(f, nodes, flows) for f, nodes in _in_order(by_flow, flows)},
        "unmatched": await _unmatched(conn, since, until, flow),
        "languages": languages,
        "channels": dict(sorted(channels.items())),
    }


def _in_order(by_flow: dict, flows: FlowSet | None):
    """Flows by name, their nodes in the order of the flow file (the way a person goes)."""
    for flow_id in sorted(by_flow):
        nodes = by_flow[flow_id]
        known = flows.flows.get(flow_id) if flows else None
        order = list(known.nodes) if known else []
        rank = {node: i for i, node in enumerate(order)}
        yield flow_id, dict(sorted(nodes.items(), key=lambda kv: (rank.get(kv[0], 1e9), kv[0])))


def _flow(flow_id: str, nodes: dict[str, dict[str, int]], flows: FlowSet | None) -> dict:
    yes = sum(n["yes"] for n in nodes.values())
    no = sum(n["no"] for n in nodes.values())
    asked = sum(
        n["reached"]
        for node_id, n in nodes.items()
        if flows is not None and is_outcome_question(flows.get(flow_id, node_id))
    )
    return {
        "nodes": {node: {c: n[c] for c in FUNNEL} for node, n in nodes.items() if any(n.values())},
        "outcomes": {"yes": yes, "no": no, "none": max(0, asked - yes - no)},
    }


async def _unmatched(conn, since, until, flow) -> list[dict[str, Any]]:
    where, params = _where(since, until, {"flow": flow} if flow else None)
    rows = await conn.execute_fetchall(
        "SELECT phrase, flow, node, lang, SUM(count) AS n FROM stats_unmatched"
        f"{where} GROUP BY phrase, flow, node, lang HAVING SUM(count) >= ? "
        "ORDER BY n DESC, phrase LIMIT 50",
        [*params, SMALL],
    )
    return [
        {"phrase": phrase, "flow": f, "node": node, "lang": lang, "count": n}
        for phrase, f, node, lang, n in rows
    ]


async def _handoffs(conn, since, until, organisation) -> dict[str, Any]:
    where, params = _where(since, until, {"organisation": organisation} if organisation else None)
    sums = ", ".join(f"SUM({c})" for c in TICKET_COLUMNS)
    rows = await conn.execute_fetchall(
        f"SELECT day, organisation, place, place_name, {sums} FROM stats_tickets{where} "
        "GROUP BY day, organisation, place ORDER BY day",
        params,
    )
    delays = await conn.execute_fetchall(
        f"SELECT organisation, place, seconds FROM stats_reply_times{where}", params
    )
    total = _blank()
    orgs: dict[str, dict[str, Any]] = {}
    weeks: dict[str, int] = {}
    for day, org, place, place_name, *values in rows:
        counts = dict(zip(TICKET_COLUMNS, values, strict=True))
        by_org = orgs.setdefault(org, {**_blank(), "places": {}, "weeks": {}})
        by_place = by_org["places"].setdefault(place, {"name": place_name, **_blank()})
        by_place["name"] = place_name
        for target in (total, by_org, by_place):
            _add(target, counts)
        week = week_of(day)
        weeks[week] = weeks.get(week, 0) + counts["opened"]
        by_org["weeks"][week] = by_org["weeks"].get(week, 0) + counts["opened"]
    for target in (total, *orgs.values()):
        _settle(target)
        for by_place in target.get("places", {}).values():
            _settle(by_place)
    all_delays = [s for _, _, s in delays]
    total["first_answer_minutes"] = _minutes(all_delays)
    for org, by_org in orgs.items():
        by_org["first_answer_minutes"] = _minutes([s for o, _, s in delays if o == org])
        for place, by_place in by_org["places"].items():
            mine = [s for o, p, s in delays if o == org and p == place]
            by_place["first_answer_minutes"] = _minutes(mine)
    return {**total, "weeks": weeks, "organisations": dict(sorted(orgs.items()))}


def _blank() -> dict[str, Any]:
    return {**{c: 0 for c in HANDOFF}, "helped": {"yes": 0, "no": 0, "none": 0}}


def _add(target: dict[str, Any], counts: dict[str, int]) -> None:
    """Add one day's counts; "none" (asked, no answer) may dip below zero on a day whose
    answers came for questions asked the day before: `_settle` clamps the sums."""
    for column in HANDOFF:
        target[column] += counts[column]
    helped = target["helped"]
    helped["yes"] += counts["helped_yes"]
    helped["no"] += counts["helped_no"]
    helped["none"] += counts["asked_if_helped"] - counts["helped_yes"] - counts["helped_no"]


def _settle(target: dict[str, Any]) -> None:
    target["helped"]["none"] = max(0, target["helped"]["none"])


def hide_small(value: Any, key: str = "") -> Any:
    """The figures as exported: every count from 1 to 4 becomes "<5" (0 stays 0); the reply
    times of fewer than 5 answered tickets are not given."""
    if isinstance(value, dict):
        if "answered" in value and "median" in value:
            few = value["answered"] < SMALL
            return {
                "answered": hide_small(value["answered"]),
                "median": None if few else value["median"],
                "p90": None if few else value["p90"],
            }
        return {k: v if k in ("period", "name") else hide_small(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [hide_small(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return HIDDEN if 0 < value < SMALL else value


def csv_text(public: dict[str, Any]) -> str:
    """The (hidden) figures as one table: section, item, measure, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "item", "measure", "value"])
    period = public["period"]
    writer.writerow(["period", "", "since", period["since"] or ""])
    writer.writerow(["period", "", "until", period["until"] or ""])

    def walk(section: str, path: list[str], value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(section, [*path, key], inner)
        else:
            item = "/".join(path[:-1])
            writer.writerow([section, item, path[-1], "" if value is None else value])

    for section, value in public.items():
        if section == "period":
            continue
        if section == "unmatched":
            for row in value:
                item = f"{row['flow']}/{row['node']}/{row['lang']}"
                writer.writerow(["unmatched", item, row["phrase"], row["count"]])
        elif isinstance(value, dict):
            walk(section, [], value)
        else:
            writer.writerow([section, "", "total", value])
    return out.getvalue()

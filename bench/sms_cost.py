"""SMS cost of every reply of every flow, per language: average and maximum segments.

Arabic, Dari, Pashto, Ukrainian, Russian and Tigrinya always travel as UCS-2 (67 characters
per part): their translations must stay concise. Target: no reply over 3 segments (the
runtime budget, RELAIS_SMS_SEGMENTS).
Run: python bench/sms_cost.py
"""

from __future__ import annotations

from collections import defaultdict

from bot.flows.loader import load_flows
from bot.i18n import Catalogs
from bot.i18n.quality import MAX_SEGMENTS_TRANSLATED, reply_costs
from bot.languages import native_name


def main() -> None:
    costs = defaultdict(list)
    for cost in reply_costs(load_flows(), Catalogs()):
        costs[cost.lang].append(cost)
    print(f"{'language':<20}{'replies':>8}{'UCS-2':>7}{'average':>9}{'max':>5}  costliest")
    for lang, rows in costs.items():
        worst = max(rows, key=lambda c: c.segments)
        ucs2 = sum(c.encoding == "UCS-2" for c in rows)
        average = sum(c.segments for c in rows) / len(rows)
        name = f"{lang} {native_name(lang)}"
        print(
            f"{name:<20}{len(rows):>8}{ucs2:>7}{average:>9.2f}{worst.segments:>5}  "
            f"{worst.flow}/{worst.node}"
        )
    over = [c for rows in costs.values() for c in rows if c.segments > MAX_SEGMENTS_TRANSLATED]
    print(f"target: no reply over {MAX_SEGMENTS_TRANSLATED} segments; over it now: {len(over)}")


if __name__ == "__main__":
    main()

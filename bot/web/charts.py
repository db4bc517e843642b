"""Charts drawn on the server as SVG: no JavaScript, nothing inline that the page's Content
Security Policy would refuse (presentation attributes and classes, no style attributes)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 400
"""viewBox width: the chart scales to the screen, text stays readable on a phone."""
ROW = 46
BAR = 16


@dataclass(frozen=True)
class Step:
    label: str
    reached: int | str
    left: int | str


def _n(value: int | str) -> int:
    """A count as drawn: a hidden one ("<5") draws as nothing."""
    return value if isinstance(value, int) else 0


def funnel(title: str, steps: list[Step]) -> Markup:
    """One bar per step, as long as the people who reached it; the dark end is those who left
    there (no message for the idle time)."""
    top = max([_n(s.reached) for s in steps] + [1])
    height = ROW * len(steps) + 8
    parts = [
        f'<svg class="chart funnel" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, step in enumerate(steps):
        y = i * ROW + 4
        reached, left = _n(step.reached), _n(step.left)
        width = round(WIDTH * reached / top, 1)
        gone = round(WIDTH * min(left, reached) / top, 1)
        parts.append(
            f'<text class="label" x="0" y="{y + 14}">{escape(step.label)}</text>'
            f'<rect class="track" x="0" y="{y + 20}" width="{WIDTH}" height="{BAR}" '
            f'fill="#e6e9ef"/>'
            f'<rect class="reached" x="0" y="{y + 20}" width="{width}" height="{BAR}" '
            f'fill="#0a4a93"/>'
        )
        if gone:
            parts.append(
                f'<rect class="left" x="{width - gone}" y="{y + 20}" width="{gone}" '
                f'height="{BAR}" fill="#a4161a"/>'
            )
        parts.append(
            f'<text class="value" x="{WIDTH}" y="{y + 14}" text-anchor="end">'
            f"{escape(str(step.reached))} · partis {escape(str(step.left))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(title: str, bars: list[tuple[str, int | str]]) -> Markup:
    """Vertical bars, e.g. hand-offs per week."""
    count = max(len(bars), 1)
    slot = WIDTH / count
    top = max([_n(v) for _, v in bars] + [1])
    chart = 140
    parts = [
        f'<svg class="chart columns" viewBox="0 0 {WIDTH} {chart + 44}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(bars):
        height = round(chart * _n(value) / top, 1)
        x = round(i * slot + slot * 0.15, 1)
        width = round(slot * 0.7, 1)
        middle = round(i * slot + slot / 2, 1)
        parts.append(
            f'<rect x="{x}" y="{chart + 18 - height}" width="{width}" height="{height}" '
            f'fill="#0a4a93"/>'
            f'<text class="value" x="{middle}" y="{chart + 14 - height}" '
            f'text-anchor="middle">{escape(str(value))}</text>'
            f'<text class="label" x="{middle}" y="{chart + 38}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))

"""HTML pieces of the review: needs attention, sparklines of the baseline days, changes (pure).

Inline SVG only (the page's CSP forbids scripts and external assets); every text goes through
`render_html.esc`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .formatting import FIRST_SEEN, LINE_LIMIT, figure, number
from .review import attention_label

SPARK_FIGURES = (
    ("events", "events"),
    ("errors", "errors"),
    ("latency_p99", "p99 ms"),
)


def html_table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], esc: Any, numeric: Iterable[int] = ()
) -> str:
    """A table: headers escaped, cells as given (already escaped), `numeric` columns right-aligned."""
    right = set(numeric)
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=n' if i in right else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def sparkline(series: Sequence[float], today: float, width: int = 120, height: int = 28) -> str:
    """A polyline of the baseline days with today's value as a dot (today red when it deviates)."""
    values = [*series, today]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - 3 - (value - low) / span * (height - 6):.1f}"
        for i, value in enumerate(values)
    )
    x, y = (len(values) - 1) * step, height - 3 - (today - low) / span * (height - 6)
    return (
        f'<svg class="spark" width="{width + 6}" height="{height}" viewBox="-3 0 {width + 6} {height}"'
        ' role="img">'
        f'<polyline points="{points}" fill="none" stroke="#2f6db5" stroke-width="1.5"></polyline>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#173d66"></circle></svg>'
    )


def trend_table(section: Mapping[str, Any], esc: Any) -> str:
    """Key figures with their sparkline over the baseline days, the usual value and today."""
    reference = (section.get("baseline") or {}).get("reference", {})
    flagged = {change["metric"] for change in section.get("changes", [])}
    rows = []
    for key, label in (
        *SPARK_FIGURES,
        *((f"security.{r}", r) for r in sorted(section.get("security_events", {}))),
    ):
        ref = reference.get(key)
        if not ref:
            continue
        today = _today(section, key)
        mark = ' class="alert"' if key in flagged else ""
        rows.append(
            f"<tr><td>{esc(label)}</td><td>{sparkline(ref['series'], today)}</td>"
            f"<td class=n>{number(ref['median'])}</td><td class=n{mark}>{number(today)}</td></tr>"
        )
    if not rows:
        return f"<p>No trends yet ({esc(_history(section))}).</p>"
    head = "<tr><th>figure</th><th>baseline days</th><th>usual</th><th>today</th></tr>"
    return (
        f"<p>{esc(_history(section))}</p><table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _history(section: Mapping[str, Any]) -> str:
    days = (section.get("baseline") or {}).get("history_days", 0)
    return f"{days} day{'s' if days != 1 else ''} of history"


def _today(section: Mapping[str, Any], key: str) -> float:
    if key.startswith("security."):
        return float(section["security_events"].get(key.split(".", 1)[1], 0))
    if key == "latency_p99":
        return float((section.get("latency_ms") or {}).get("p99", 0))
    return float(section[key])


def deviating_hours(section: Mapping[str, Any]) -> set[int]:
    """Hours whose events or error rate were flagged against the baseline."""
    return {
        int(c["metric"].split(".")[1]) for c in section.get("changes", []) if c["metric"].startswith("hour.")
    }


def attention_html(report: Mapping[str, Any], esc: Any) -> str:
    entries = report.get("needs_attention", [])
    if not entries:
        return (
            '<p class="ok">Nothing stands out: no incident, no change against the baseline, nothing new.</p>'
        )
    items = "".join(
        f'<li class="{"alert" if e["kind"] in ("incident", "exception_expired") else "attn"}">'
        f"[{esc(attention_label(e))}] {_group_of(e, esc)}{esc(e['text'], LINE_LIMIT)}</li>"
        for e in entries
    )
    return f'<ol class="attention">{items}</ol>'


def _group_of(entry: Mapping[str, Any], esc: Any) -> str:
    return f"<b>{esc(entry['log_group'])}</b>: " if entry.get("log_group") else ""


def changes_html(section: Mapping[str, Any], esc: Any) -> str:
    rows = [
        f"<tr><td>{esc(c['metric'])}</td><td class=n>{figure(c['metric'], c['value'])}</td>"
        f"<td class=n>{figure(c['metric'], c['reference'])}</td>"
        f"<td class=n>{esc('-' if c['ratio'] is None else c['ratio'])}</td></tr>"
        for c in section.get("changes", [])
    ]
    parts = []
    if rows:
        head = "<tr><th>metric</th><th>today</th><th>usual</th><th>ratio</th></tr>"
        parts.append(f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>")
    for field, label in FIRST_SEEN:
        total = section.get(f"{field}_total", 0)
        if total:
            shown = ", ".join(
                f"{'⚠ ' if item['security'] else ''}{esc(item['name'])} ({number(item['count'])})"
                for item in section[field]
            )
            parts.append(f"<p>{label.capitalize()} ({number(total)}): {shown}</p>")
    return "".join(parts) or "<p>No changes and nothing new.</p>"

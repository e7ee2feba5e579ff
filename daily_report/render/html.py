"""The HTML report (`log_review.html`): one self-contained page with inline CSS and SVG charts.

Pure. No script, no external asset (a Content-Security-Policy forbids both), and every piece of
text that came from a log goes through `html.escape` after being made inert.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..report import Report
from .formatting import LINE_LIMIT, describe_alert, folded_note, inert, millis, number, percent
from .groups import TOP_GROUPS, limited, rest_line, silent_line
from .incidents import admin_html, admin_total, exceptions_html, incidents_html
from .origins import rows, shown
from .trends import attention_html, changes_html, deviating_hours, html_table, trend_table

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2733;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}
h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d5dbe3}
.meta{color:#5b6878}table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}
th,td{border:1px solid #d5dbe3;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.alert{color:#9b1c1c;font-weight:600}.folded{color:#8a5a00}.ok{color:#1c6b35}code{font-size:12px;word-break:break-all}
svg{display:block;margin:.5rem 0}.legend span{margin-right:1rem}.ev{color:#2f6db5}.er{color:#c0392b}
.dv{color:#e67e22}svg.spark{display:inline;margin:0}.attention li{margin:.2rem 0}.attn{color:#7a4a00}
.nw{white-space:nowrap}
@media print{body{margin:0;max-width:none}details{display:block}}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'"
COLOURS = {"events": "#2f6db5", "errors": "#c0392b", "p50": "#7fb3e6", "p95": "#2f6db5", "p99": "#173d66"}
PERCENTILES = ("p50", "p95", "p99")


def esc(text: object, limit: int = 500) -> str:
    """Inert, length-limited and HTML-escaped: the only way log text enters the page."""
    return html.escape(inert(str(text), limit), quote=True)


def _el(tag: str, content: str = "", **attrs: object) -> str:
    """An SVG element; attribute names use `_` for `-`, floats get one decimal."""
    rendered = " ".join(
        f'{name.replace("_", "-")}="{f"{value:.1f}" if isinstance(value, float) else value}"'
        for name, value in attrs.items()
    )
    return f"<{tag} {rendered}>{content}</{tag}>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()) -> str:
    return html_table(headers, rows, esc, numeric)


def hourly_chart(
    hourly: Sequence[Mapping[str, int]], width: int = 760, height: int = 170, marked: Collection[int] = ()
) -> str:
    """Bars of events, errors as narrower bars in front; hours that deviate from the baseline marked."""
    left, bottom, pad = 44, 22, 10
    plot_w, plot_h = width - left - 8, height - bottom - pad
    peak = max([h["events"] for h in hourly] + [1])
    slot = plot_w / 24
    parts = [
        _el("text", f"{peak:,}", x=left - 4, y=pad + 9, font_size=10, text_anchor="end"),
        _el("line", x1=left, y1=pad + plot_h, x2=width - 8, y2=pad + plot_h, stroke="#8894a3"),
    ]
    for hour, counts in enumerate(hourly):
        x = left + hour * slot
        for name, inset in (("events", 0.12), ("errors", 0.32)):
            bar = plot_h * counts[name] / peak
            title = _el("title", f"{hour:02d}:00 {name} {counts[name]:,}")
            parts.append(
                _el(
                    "rect",
                    title,
                    x=x + slot * inset,
                    y=pad + plot_h - bar,
                    width=slot * (1 - 2 * inset),
                    height=float(bar),
                    fill=COLOURS[name],
                )
            )
        if hour in marked:
            parts.append(
                _el(
                    "rect",
                    _el("title", f"{hour:02d}:00 deviates from the baseline"),
                    x=x,
                    y=pad,
                    width=float(slot),
                    height=4.0,
                    fill="#e67e22",
                )
            )
        if hour % 3 == 0:
            label = f"{hour:02d}"
            parts.append(_el("text", label, x=x + slot / 2, y=height - 6, font_size=10, text_anchor="middle"))
    return _el("svg", "".join(parts), width=width, height=height, role="img", viewBox=f"0 0 {width} {height}")


def latency_chart(groups: Mapping[str, Mapping[str, Any]], threshold: float, width: int = 760) -> str:
    """p50/p95/p99 bars per log group, with the alert threshold as a dashed line."""
    rows = [(name, g["latency_ms"]) for name, g in groups.items() if g["latency_ms"]]
    if not rows:
        return "<p>No latency measurements.</p>"
    left, row_h = 180, 54
    height = row_h * len(rows) + 24
    scale = (width - left - 90) / (max([lat["p99"] for _, lat in rows] + [threshold]) * 1.05)
    parts = []
    for i, (name, lat) in enumerate(rows):
        y = i * row_h + 6
        parts.append(_el("text", esc(name, 28), x=left - 8, y=y + 26, font_size=12, text_anchor="end"))
        for j, pct in enumerate(PERCENTILES):
            bar, label = lat[pct] * scale, f"{pct} {millis(lat[pct])}"
            parts.append(
                _el(
                    "rect",
                    _el("title", label),
                    x=left,
                    y=y + j * 15,
                    width=float(bar),
                    height=12,
                    fill=COLOURS[pct],
                )
            )
            parts.append(_el("text", label, x=left + bar + 4, y=y + j * 15 + 10, font_size=10))
    x = float(left + threshold * scale)
    parts.append(_el("line", x1=x, y1=0, x2=x, y2=height - 14, stroke="#c0392b", stroke_dasharray="4 3"))
    parts.append(
        _el("text", f"alert {millis(threshold)}", x=x, y=height - 2, font_size=10, text_anchor="middle")
    )
    return _el("svg", "".join(parts), width=width, height=height, role="img", viewBox=f"0 0 {width} {height}")


def _summary(report: Report) -> str:
    rows = []
    for name, g in report["log_groups"].items():
        lat = g["latency_ms"] or {}
        rows.append(
            [esc(name), number(g["events"]), number(g["errors"]), percent(g["error_rate"])]
            + [number(lat.get(p)) for p in (*PERCENTILES, "max")]
            + [number(g["security_events_total"]), number(len(g["silent_hours"]))]
        )
    t = report["totals"]
    total = ["<b>total</b>", number(t["events"]), number(t["errors"]), percent(t["error_rate"])]
    rows.append([*total, "", "", "", "", number(t["security_events"]), ""])
    headers = ["log group", "events", "errors", "error rate", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    return _table([*headers, "security", "silent h"], rows, range(1, 10))


def _samples(samples: Iterable[Mapping[str, str]]) -> str:
    return "<br>".join(f"{esc(s['time'])} <code>{esc(s['text'], LINE_LIMIT)}</code>" for s in samples)


def _group(name: str, g: Mapping[str, Any]) -> Iterator[str]:
    yield f"<h2>{esc(name)}</h2>"
    yield "<h3>Trends</h3>" + trend_table(g, esc)
    yield "<h3>Changes and first seen</h3>" + changes_html(g, esc)
    legend = (
        '<span class="ev">■ events</span><span class="er">■ errors</span>'
        '<span class="dv">▬ deviating hour</span>'
    )
    yield f'<p class="legend">{legend}</p>'
    yield hourly_chart(g["hourly"], marked=deviating_hours(g))
    levels = ", ".join(f"{level} {number(n)}" for level, n in g["levels"].items() if n) or "none"
    silent = ", ".join(f"{h:02d}" for h in g["silent_hours"]) or "none"
    yield f"<p>Levels: {levels}. Silent hours: {silent}.</p>"
    security = [
        [esc(rule), number(count), _samples(g["security_samples"].get(rule, []))]
        for rule, count in g["security_events"].items()
    ]
    yield "<h3>Security events</h3>" + _table(["rule", "events", "samples (redacted)"], security, [1])
    errors = [
        [number(e["count"]), f"<code>{esc(e['signature'])}</code>", f"<code>{esc(e['sample'])}</code>"]
        for e in g["top_errors"]
    ]
    headers = ["count", "signature", "first sample (redacted)"]
    yield "<h3>Top error signatures</h3>" + (_table(headers, errors, [0]) if errors else "<p>None.</p>")
    yield _folded(g, "error_signatures")
    for kind, column in (("principals", "principal"), ("actions", "action"), ("statuses", "status")):
        rows = [[esc(e["name"]), number(e["count"])] for e in g[f"top_{kind}"]]
        if rows:
            yield f"<h3>Top {kind}</h3>" + _table([column, "events"], rows, [1]) + _folded(g, kind)
    hours = [[f"{h:02d}", number(c["events"]), number(c["errors"])] for h, c in enumerate(g["hourly"])]
    yield "<details><summary>Hourly table</summary>" + _table(["hour", "events", "errors"], hours, [1, 2])
    yield "</details>"


def _folded(group: Mapping[str, Any], counter: str) -> str:
    note = folded_note(group, counter)
    return f'<p class="folded">Other: {esc(note)}</p>' if note else ""


def _meta(report: Report) -> str:
    late = report.get("late_data") or {}
    late_text = (
        f"{number(late['partials'])} partial(s) arrived after revision {late['since_revision']}"
        if late.get("since_revision")
        else "none (first revision)"
    )
    folded = report["totals"]["folded_events"]
    folded_text = f"{number(folded)} events folded into 'other' past the counter caps" if folded else ""
    return (
        f'<p class="meta">Revision {report["revision"]}, generated {esc(report["generated_at"])}; '
        f"{number(report['partials'])} partial objects read, {number(report['batches'])} distinct "
        f"CloudWatch batches; "
        f"late data: {esc(late_text)}{'; ' + folded_text if folded_text else ''}.</p>"
    )


def _kind(report: Report) -> str:
    return str((report.get("period") or {}).get("kind", "daily"))


def _other_groups(report: Report) -> str:
    """The groups the summary leaves out, and the expected groups that were silent all day."""
    return "".join(f"<p>{esc(line, 2000)}</p>" for line in (rest_line(report), silent_line(report)) if line)


def _origins(report: Report) -> str:
    """A table per owner account and per region, when the day has more than one (see `origins`)."""
    headers = ["events", "errors", "error rate", "security", "batches", "log groups"]
    return "".join(
        f"<h3>By {label}</h3>"
        + _table([label, *headers], ([esc(c) for c in row] for row in rows(entries)), range(1, 6))
        for label, entries in shown(report)
    )


def render_html(report: Report, top_groups: int = TOP_GROUPS) -> str:
    """The whole page (at most `top_groups` log groups in full, see `groups`)."""
    report = limited(report, top_groups)
    alerts = "".join(f'<li class="alert">{esc(describe_alert(a))}</li>' for a in report["alerts"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>logreview {esc(_kind(report))} review {esc(report['date'])}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{esc(_kind(report).capitalize())} log review: {esc(report['date'])} (UTC)</h1>",
        _meta(report),
        "<h2>Needs attention</h2>",
        attention_html(report, esc),
        f'<h2 id="incidents">Incidents ({len(report.get("incidents", []))})</h2>',
        incidents_html(report, esc),
        f'<h2 id="admin-actions">Admin actions ({number(admin_total(report))})</h2>',
        admin_html(report, esc),
        '<h2 id="exceptions">Suppressed by exception</h2>',
        exceptions_html(report, esc),
        "<h2>Summary</h2>",
        _summary(report),
        _other_groups(report),
        _origins(report),
        "<h2>Alerts</h2>",
        f"<ul>{alerts}</ul>" if alerts else '<p class="ok">No alerts.</p>',
        "<h2>Latency percentiles</h2>",
        latency_chart(report["log_groups"], report["thresholds"]["latency_ms"]),
    ]
    for name, group in report["log_groups"].items():
        parts.extend(_group(name, group))
    parts.append("</body></html>\n")
    return "\n".join(parts)

"""logreview daily report: merge a day's partial aggregates into the review report and feed the alarms.

Source: `source` (list and fetch a day's partials, streaming merge). Pure transforms: `days`
(which day), `report` (the JSON report of DESIGN §7), `revision` (revisions and late data),
`render_text`, `render_html`, `message` (SNS text). Sinks: `publish` (report objects, metrics,
SNS). `job` wires them for one run; `handler` (Lambda) and `cli` (`logreview report`) call it.
"""

from __future__ import annotations

"""logreview daily report: merge a day's partial aggregates into the review report and feed the alarms.

The packages follow the flow: `source` (read a day's partials and rollups, merge them, each batch
once) → `report` (the JSON report of docs/design.md §7) → `review` (baselines, first-seen, attention,
revisions) → `render` (text, HTML, the SNS summary) → `publish` (report objects, metrics, SNS).
Beside it: `rollup` (the hourly Rollup Lambda), `reconcile` (counts against CloudWatch's own).
`days` and `period` say which days a run covers; `budget` keeps a run within Lambda's time and
`handoff` sends what does not fit to a new invocation. `job` wires one run; `handler` (Lambda)
and `cli` (`logreview report`) call it.
"""

from __future__ import annotations

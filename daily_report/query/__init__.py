"""SQL over history: Athena over the Glue tables of the archive and the daily reports
(template.yaml `ArchiveTable`, `ReportsTable`) and the view `archive_events` (`--setup`).

Pure: `canned` (the named queries' SQL), `output` (a result as a table, CSV or JSON lines).
I/O: `athena` (start, poll, page through results). Entry point: `cli` (`logreview query`).
Athena is the engine: nothing here reads the archive itself.
"""

from __future__ import annotations

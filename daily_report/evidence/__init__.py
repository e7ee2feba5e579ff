"""Evidence that cannot be altered unnoticed: a signed, chained digest of each day's archive and
reports (`seal`), its verification (`verify`), legal holds (`hold`), and the Object Lock retention
every evidence write carries (`stream_processor.sinks.retention`).

Pure: `digest` (the document and the comparison). I/O: `objects` (list and hash a day's objects),
`seal` (KMS signature, write-once store). Entry points: `handler.lambda_handler` (nightly),
`verify_cli` (`logreview verify`), `hold_cli` (`logreview hold`).
"""

from __future__ import annotations

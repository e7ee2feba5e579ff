"""A report made readable (pure): `text` (the reviewer's text report), `html` (with inline SVG
charts, `trends` for its tables), `review` (the attention and change lines both share), `message`
(the SNS summary), `formatting` (numbers, and making text inert), `groups` (which log groups are
shown in full when there are many), `origins` (per owner account and region)."""

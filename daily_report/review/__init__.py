"""What a report says beyond the day's own counts (pure): `baseline` (against earlier days),
`seen` (first-seen principals, actions and error signatures), `attention` (what needs a look),
`enrich` (the three added to a report), `revision` (revisions and late data), `expected` (which
log groups a report expects to hear from)."""

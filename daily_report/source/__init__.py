"""Where a day's data comes from: the partials and hourly rollups in S3, read and merged once.

`reader` (list and fetch partials, load rollups), `merge` (the streaming merge and its exactly-once
`Deduper`), `rollup_doc` (the rollup document and how it joins a listing), `hourly` (plan a day
hour by hour and merge it: `merge_day`), `fanout` (have the rollup function refresh the 24 rollups
first). The reader only reads; the daily job (`job`) wires `merge_day` with the fan-out.
"""

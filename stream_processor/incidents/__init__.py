"""Incidents: correlatable events kept as evidence in the partial aggregate, and the incidents and
admin actions derived from them (pure).

`classify` picks the evidence events of a batch, `aggregate.evidence` keeps them in a window (bounded,
merged exactly), `correlate` turns a day's evidence into incidents and `admin` into the admin
actions the report lists.
"""

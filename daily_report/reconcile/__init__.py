"""Completeness: a day's hourly counts against CloudWatch Logs' own. `compare` (pure: hour by hour,
and the recovery commands), `cloudwatch` (CloudWatch's counts: metrics, then Logs Insights), `run`
(one day, for the daily job's `ReconcileGap` and `logreview reconcile`), `cli`."""

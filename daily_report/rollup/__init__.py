"""Hourly rollups: one UTC hour's partials merged into `rollups/dt=DAY/hour=HH.json` (`roller`), the
Rollup Lambda (`handler`; `daily_report.rollup.lambda_handler` is its stable name, docs/design.md §12) and
`logreview rollup` (`cli`)."""

from __future__ import annotations

from .handler import lambda_handler

__all__ = ["lambda_handler"]

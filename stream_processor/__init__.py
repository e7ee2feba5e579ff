"""logreview stream processor: subscription batches in; archive, partial aggregates and metrics out."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"

"""Secrets masked before text is stored: the `Redactor` (redactor.py) and the shapes it applies,
token shapes (secret_shapes.py), command-line passwords (command_secrets.py) and user names that
look like a password (secret_names.py)."""

from __future__ import annotations

from .redactor import DEFAULT_REDACTOR, MASK, TEXT_SHAPES, Redactor, shape_ids

__all__ = ["DEFAULT_REDACTOR", "MASK", "TEXT_SHAPES", "Redactor", "shape_ids"]

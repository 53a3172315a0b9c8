"""Formula functions, registered by importing their family modules."""

from __future__ import annotations

from . import dates, logic, math, text  # noqa: F401  (importing registers them)
from .registry import REGISTRY, Function, P, argument, lookup

__all__ = ["REGISTRY", "Function", "P", "argument", "lookup"]

"""Benchmarks: ``python -m bench NAME [--rows N]`` prints ``name: value unit`` lines."""

from __future__ import annotations

from collections.abc import Callable

BENCHMARKS: dict[str, Callable[[int | None], None]] = {}


def benchmark(name: str):
    """Register a benchmark function taking the optional --rows value."""

    def wrap(fn):
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} registered twice")
        BENCHMARKS[name] = fn
        return fn

    return wrap


def report(name: str, value: float, unit: str) -> None:
    """Print one figure in the agreed format."""
    print(f"{name}: {value:.2f} {unit}", flush=True)

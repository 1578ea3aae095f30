"""How the benchmarks compute and print their figures."""

from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0–100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def ms(value: float) -> str:
    """Milliseconds for a table; a dash when there is no figure (NaN)."""
    return "–" if math.isnan(value) else f"{value:.1f} ms"


def verdict(ok: bool) -> str:
    """A target's verdict as the tables of docs/performance.md give it."""
    return "met" if ok else "**missed**"

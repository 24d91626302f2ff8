"""Result types shared by every test in the statistics package."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestResult:
    """One hypothesis test: the p-value and exactly which variant produced it.

    `method` is the machine name used in analysis JSON (`fisher_exact`, `mann_whitney_u_exact`,
    `chi_square`, ...); `variant` says how (``"exact"``, ``"asymptotic, tie-corrected, continuity 0.5"``),
    so every printed p-value can name its test.
    """

    __test__ = False  # not a pytest test class

    p: float | None
    method: str
    statistic: float | None = None
    variant: str = ""
    note: str = ""

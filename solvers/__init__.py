"""Solver back ends for plain numeric problems (no pandas, no geometry, no Qt)."""

from __future__ import annotations

from solvers.base import Backend, LinearModel, SolveResult, Status

BACKENDS = ("cpsat", "highs", "cbc")


def get_backend(name: str, *, seed: int = 0) -> Backend:
    """Return the back end called ``name`` (cpsat, highs or cbc)."""
    if name == "cpsat":
        from solvers.cpsat import CpSatBackend

        return CpSatBackend(seed=seed)
    if name == "highs":
        from solvers.mip import HighsBackend

        return HighsBackend()
    if name == "cbc":
        from solvers.mip import CbcBackend

        return CbcBackend()
    raise ValueError(f"unknown back end {name!r}; choose one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "Backend", "LinearModel", "SolveResult", "Status", "get_backend"]

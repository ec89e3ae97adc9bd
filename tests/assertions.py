"""Domain assertions shared by the tests."""

from __future__ import annotations

from allocator.project import Project
from allocator.validator import validate_allocation


def assert_allocation_valid(project: Project, scenario: str = "base") -> None:
    """Re-check every hard rule of a stored allocation, independently of the solver."""
    violations = validate_allocation(project, scenario)
    assert violations == [], "\n".join(violations[:20])

"""Readable text for the features of a detected face: quality, issues, gender/age/emotion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: How quality issues read in overlays and the Enroll dialog.
ISSUE_TEXT = {
    "too_small": "too small",
    "blurred": "blurred",
    "turned_away": "turned away",
}


def quality_of(features: Mapping[str, Any]) -> float | None:
    """The `quality` extension value (0..1), if the server sent one."""
    value = features.get("quality")
    return float(value) if isinstance(value, int | float) else None


def issues_of(features: Mapping[str, Any]) -> list[str]:
    """The readable quality issues (`quality_issues` extension)."""
    issues = features.get("quality_issues") or []
    return [ISSUE_TEXT.get(str(issue), str(issue)) for issue in issues]


def _gender(value: Any) -> str | None:
    if isinstance(value, Mapping):
        label = value.get("gender", value.get("name"))
        return str(label).lower() if label is not None else None
    return None


def _age(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("name")
    if isinstance(value, int | float):
        return f"{round(value)}y"
    return None


def _emotion(value: Any) -> str | None:
    if isinstance(value, list) and value:
        return str(value[0].get("emotion"))
    if isinstance(value, Mapping):
        return str(value.get("name"))
    return None


def describe_attributes(features: Mapping[str, Any]) -> str:
    """`male, 34y, happy` from either attribute API; empty when none were requested."""
    parts = [
        _gender(features.get("gender")),
        _age(features.get("age")),
        _emotion(features.get("emotions")),
    ]
    return ", ".join(part for part in parts if part)

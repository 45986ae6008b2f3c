"""The result model of a check run (modelled on exercism's results.json)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "error"]


def in_language(en: str, zh: str, lang: str) -> str:
    """The Chinese text in zh mode when there is one, else the English."""
    return zh if lang == "zh" and zh else en


@dataclass
class CheckResult:
    """One named check of a hidden suite; names and messages come in English and Chinese."""

    name: str
    status: Status
    message: str = ""
    duration: float = 0.0
    output: str = ""
    name_zh: str = ""
    message_zh: str = ""

    def title(self, lang: str) -> str:
        return in_language(self.name, self.name_zh, lang)

    def text(self, lang: str) -> str:
        return in_language(self.message, self.message_zh, lang)


@dataclass
class ExerciseResult:
    """The outcome of one exercise's hidden suite.

    `status` is "pass" only when the suite ran to the end and every check passed; "fail" when it
    completed with failing checks; "error" when it could not complete (timeout, crash, memory,
    missing results), whatever the checks that did run said.
    """

    exercise: str
    status: Status
    message: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    duration: float = 0.0
    output: str = ""
    message_zh: str = ""

    def text(self, lang: str) -> str:
        return in_language(self.message, self.message_zh, lang)

    @property
    def passed(self) -> int:
        return sum(check.status == "pass" for check in self.checks)

    @property
    def total(self) -> int:
        return len(self.checks)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ExerciseResult | None:
        """The inverse of `to_dict` (e.g. a stored result); None when missing or unreadable."""
        if not data:
            return None
        try:
            checks = [
                CheckResult(
                    name=str(check["name"]),
                    status=check["status"],
                    message=str(check.get("message", "")),
                    duration=float(check.get("duration", 0.0)),
                    output=str(check.get("output", "")),
                    name_zh=str(check.get("name_zh", "")),
                    message_zh=str(check.get("message_zh", "")),
                )
                for check in data.get("checks", [])
            ]
            return cls(
                exercise=str(data["exercise"]),
                status=data["status"],
                message=str(data.get("message", "")),
                checks=checks,
                duration=float(data.get("duration", 0.0)),
                output=str(data.get("output", "")),
                message_zh=str(data.get("message_zh", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"], data["total"] = self.passed, self.total
        data["version"] = 1
        return data

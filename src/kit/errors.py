"""Errors the kit shows to people: one line each, naming the file, line, field and a fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, printed as `path:line: field: message — fix`."""

    path: str
    message: str
    line: int | None = None
    field: str = ""
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" {self.field}:" if self.field else ""
        fix = f" — {self.fix}" if self.fix else ""
        return f"{where}:{field} {self.message}{fix}"


class KitError(Exception):
    """An error with a message meant for the person at the keyboard (no traceback)."""


class InvalidFile(KitError):
    """A content or district file that does not validate; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

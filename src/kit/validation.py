"""`kit validate`: check module, agenda and district files (or folders of them) and report every problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kit.content import MODULE_FILE_RE, Module, load_module
from kit.districts import District, load_district
from kit.errors import InvalidFile, Problem
from kit.report import plural

SKIPPED = {"sources.yaml"}
RULES = "diagnostics.yaml"
AGENDA_FILE = "agenda.yaml"  # kit.agenda.AGENDA_FILE (not imported: kit.agenda renders pages)


@dataclass
class Report:
    modules: list[Module] = field(default_factory=list)
    districts: list[District] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rules: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        items = sum(len(m.items()) for m in self.modules)
        return (
            f"{len(self.modules)} modules ({items} items), {self.rules} diagnostic rules,"
            f" {len(self.districts)} districts:"
            f" {'all valid' if self.ok else plural(len(self.problems), 'problem')}"
        )


def _files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    files, problems = [], []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.name not in SKIPPED)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "no such file or folder", fix="check the path"))
    return files, problems


def is_module_file(path: Path) -> bool:
    return bool(MODULE_FILE_RE.match(path.stem))


def validate(paths: list[Path]) -> Report:
    """Validate every module and district file under `paths`; never raises on bad input."""
    report = Report()
    files, report.problems = _files(paths)
    module_numbers: dict[int, Path] = {}
    district_ids: dict[str, Path] = {}
    for path in files:
        try:
            if path.name.startswith("_") and "answers" in path.name:
                from kit.sample_answers import read_answers

                read_answers(path)
            elif path.name.startswith("_"):
                continue
            elif path.name == AGENDA_FILE:
                from kit.agenda import load_agenda

                load_agenda(path)
            elif path.name == RULES:
                from kit.diagnostics import load_rules

                report.rules += len(load_rules(path))
            elif is_module_file(path):
                module = load_module(path)
                if module.number in module_numbers:
                    report.problems.append(Problem(
                        str(path), f"module number {module.number} is also used by {module_numbers[module.number]}",
                        field="number", fix="give each module its own number",
                    ))
                module_numbers[module.number] = path
                report.modules.append(module)
            else:
                district = load_district(path)
                if district.id in district_ids:
                    report.problems.append(Problem(
                        str(path), f"district id {district.id!r} is also used by {district_ids[district.id]}",
                        field="id", fix="give each district its own id",
                    ))
                district_ids[district.id] = path
                report.districts.append(district)
        except InvalidFile as exc:
            report.problems += exc.problems
    return report

"""District profiles: one YAML file per district, validated, with a JSON Schema.

Every fact carries a `source`: a brief section when the brief states it, `synthetic`
when it was filled in so a worksheet has something to show.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from kit.errors import InvalidFile, KitError, Problem
from kit.sources import Source
from kit.yamlfile import file_stamp, line_of, load_yaml, problems_from

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_slug(value: str) -> str:
    """District ids become file and URL names, so only safe slugs pass."""
    if not SLUG_RE.match(value) or len(value) > 64:
        raise ValueError(
            f"id {value!r} is not a safe slug"
            " — use lowercase letters, digits and single hyphens, e.g. `windy-city`"
        )
    return value


Slug = Annotated[str, AfterValidator(check_slug)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(lambda s: _not_blank(s))]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is blank — write a name")
    return value


Role = Literal[
    "teacher",
    "principal",
    "senior_district_leader",
    "district_leader",
    "tosa",
    "coach",
    "counselor",
    "preschool_administrator",
    "other",
]
ROLES: tuple[str, ...] = get_args(Role)
ROLE_LABELS = {
    "teacher": "Teacher",
    "principal": "Principal",
    "senior_district_leader": "Senior district leader",
    "district_leader": "District leader",
    "tosa": "Teacher on special assignment",
    "coach": "Coach",
    "counselor": "Counselor",
    "preschool_administrator": "Preschool administrator",
    "other": "Other",
}
COLLABORATIONS = {
    "p3cc-math": "Pre-K to 3 Coherence Collaboration — mathematics",
    "p3cc-literacy": "Pre-K to 3 Coherence Collaboration — literacy",
    "8-9-on-track": "8th–9th On Track",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Count(Strict):
    value: int = Field(ge=0)
    source: Source


class School(Strict):
    name: Name
    level: Literal["preschool", "elementary", "middle", "high", "k8", "other"]
    students: int | None = Field(None, ge=0)
    on_team: bool = False
    source: Source


class Member(Strict):
    name: Name
    role: Role
    site: Name
    lead: bool = False
    attends_meetings: bool = True
    competing_duties: bool = False  # the work is one duty among many in this person's job (000)
    work_in_job_description: bool | None = None  # whether the job description names the work; None: not recorded
    source: Source


StructureKind = Literal[
    "principals_meeting",
    "staff_meeting",
    "grade_level_meeting",
    "department_meeting",
    "pd_day",
    "collaboration_time",
    "plc",
    "walkthrough",
    "pacing_guide",
    "coaching",
    "cross_school_team",
    "curriculum_and_instruction",
    "other",
]
STRUCTURE_KINDS: tuple[str, ...] = get_args(StructureKind)


class Structure(Strict):
    kind: StructureKind
    name: Name
    frequency: str | None = None
    voluntary: bool = False
    used_for_the_work: bool = False
    source: Source


class Initiative(Strict):
    name: Name
    status: Literal["active", "planned", "paused", "stopped"]
    focus: bool = False  # the collaboration's own work, not a competing initiative
    pd_days: int | None = Field(None, ge=0)
    source: Source


class Assessment(Strict):
    name: Name
    grades: str
    users: str
    purpose: str
    note: str | None = None
    source: Source


class Metric(Strict):
    name: Name
    year: Annotated[str, Field(pattern=r"^\d{4}(–|-)\d{2}$")]
    value: float
    unit: Literal["percent", "count", "teachers", "schools"]
    source: Source


class Fact(Strict):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    source: Source


class District(Strict):
    schema_version: Literal[1]
    id: Slug
    name: Name
    pseudonym: bool
    collaboration: Literal["p3cc-math", "p3cc-literacy", "8-9-on-track"]
    focus: Annotated[str, Field(min_length=1, max_length=500)]
    grades: list[str] = Field(min_length=1)
    counts: dict[str, Count] = {}
    schools: list[School] = []
    team: list[Member] = []
    structures: list[Structure] = []
    initiatives: list[Initiative] = []
    assessments: list[Assessment] = []
    metrics: list[Metric] = []
    story: list[Fact] = []

    @property
    def collaboration_label(self) -> str:
        return COLLABORATIONS[self.collaboration]


def load_district(path: Path) -> District:
    """Load and validate one district file, or raise InvalidFile listing every problem."""
    return _load_district(path, file_stamp(path))


@cache
def _load_district(path: Path, _stamp: int) -> District:
    """Cached per file version (districts are immutable models): a page view re-reads nothing."""
    data = load_yaml(path)
    try:
        district = District.model_validate(data)
    except ValidationError as exc:
        raise InvalidFile(problems_from(path, data, exc)) from None
    if path.stem != district.id:
        raise InvalidFile([Problem(
            str(path), f"id {district.id!r} differs from the file name {path.stem!r}",
            line_of(data, ["id"]), "id", f"rename the file to {district.id}.yaml or set `id: {path.stem}`",
        )])
    return district


def district_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith(("_", ".")))


def load_cohort(folder: Path) -> tuple[list[District], list[Problem]]:
    """Every valid district of a folder, and the problems of the files that are not."""
    if not folder.is_dir():
        raise KitError(f"{folder}: no such cohort folder — give a folder of district .yaml files")
    districts, problems = [], []
    seen: dict[str, Path] = {}
    for path in district_files(folder):
        try:
            district = load_district(path)
        except InvalidFile as exc:
            problems += exc.problems
            continue
        if district.id in seen:
            problems.append(Problem(str(path), f"district id {district.id!r} is also used by {seen[district.id].name}",
                                    field="id", fix="give each district its own id"))
            continue
        seen[district.id] = path
        districts.append(district)
    return districts, problems


def find_district(folder: Path, district_id: str) -> District:
    """One district of a cohort by id; the id is checked before it touches the file system."""
    try:
        check_slug(district_id)
    except ValueError as exc:
        raise KitError(str(exc)) from None
    path = folder / f"{district_id}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in district_files(folder)) or "(none)"
        raise KitError(f"unknown district {district_id!r} in {folder} — known districts: {known}")
    return load_district(path)


def json_schema() -> str:
    return json.dumps(District.model_json_schema(), indent=2)


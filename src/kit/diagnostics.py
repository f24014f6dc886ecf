"""Risks to scale, flagged from a district's answers and profile, each with the research behind it.

Rules live in ``modules/diagnostics.yaml`` (and in a module file's ``diagnostics:``). A rule's
``when`` is a small expression, parsed with `ast` and evaluated by a whitelist: comparisons,
``and``/``or``/``not``, numbers, strings and the functions in `FUNCTIONS`. Nothing else runs.

Unanswered questions make an expression *unknown*, not false: a rule fires only when the answers
it reads say so. ``not rating("02_scale.depth") >= 3`` on an empty worksheet is unknown, so an
empty worksheet raises no flags (three-valued logic, as in SQL).

``year()`` is where a convening sits in the three-year arc (1, 2 or 3), worked out from the cohort's
recorded convening dates: year 1 is the school year (July to June) of the cohort's first dated
convening. Without dates it is unknown, so a rule that depends on the year stays quiet.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kit.content import Diagnostic, Module, all_modules
from kit.districts import District
from kit.errors import InvalidFile, KitError, Problem
from kit.items import kind_of
from kit.paths import modules_dir
from kit.report import plural
from kit.store import Answer, Store
from kit.yamlfile import file_stamp, line_of, load_yaml, problems_from


class Unknown:
    """An answer that is not there yet; comparisons with it are unknown too."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: int = Field(1, ge=1, le=1)
    rules: list[Diagnostic] = Field(min_length=1)


@dataclass(frozen=True)
class Flag:
    rule: Diagnostic
    items: tuple[str, ...]  # "module.item" refs the rule reads (where the flag is shown)


# facts a rule can read ------------------------------------------------------------------------


@dataclass
class Facts:
    """What the functions read: the latest answers of every module, the previous convening's, the profile."""

    district: District
    answers: dict[str, dict[str, Answer]]
    previous: dict[str, dict[str, Answer]]
    year: int | None = None

    def value(self, ref: str, previous: bool = False) -> Any:
        module_id, _, item_id = ref.partition(".")
        answer = (self.previous if previous else self.answers).get(module_id, {}).get(item_id)
        return UNKNOWN if answer is None else answer.value


def _rating(f: Facts, ref: str) -> Any:
    value = f.value(ref)
    level = value.get("level") if isinstance(value, dict) else None
    return level if isinstance(level, int) else UNKNOWN


def _choice(f: Facts, ref: str) -> Any:
    value = f.value(ref)
    return value if isinstance(value, str) and value else UNKNOWN


def _previous_choice(f: Facts, ref: str) -> Any:
    value = f.value(ref, previous=True)
    return value if isinstance(value, str) and value else UNKNOWN


def _checked(f: Facts, ref: str, option: str) -> Any:
    value = f.value(ref)
    return UNKNOWN if not isinstance(value, list) else option in value


def _count_checked(f: Facts, ref: str, prefix: str = "") -> Any:
    value = f.value(ref)
    return UNKNOWN if not isinstance(value, list) else sum(str(v).startswith(prefix) for v in value)


def _rows(f: Facts, ref: str) -> list[dict[str, Any]]:
    value = f.value(ref)
    if not isinstance(value, list):
        return []
    return [r for r in value if isinstance(r, dict) and any(v not in ("", None) for k, v in r.items())]


def _count_rows(f: Facts, ref: str, column: str = "", value: str | None = None) -> Any:
    """Rows with something in them (an empty table counts 0); optionally where column == value."""
    rows = _rows(f, ref)
    if not column:
        return len(rows)
    if value is None:
        return sum(1 for r in rows if r.get(column) not in ("", None))
    return sum(1 for r in rows if str(r.get(column) or "") == value)


def _count_open_rows(f: Facts, ref: str, filled: str, empty: str) -> int:
    """Rows where column `filled` has something and column `empty` has nothing (evidence but no decision)."""
    return sum(1 for r in _rows(f, ref) if r.get(filled) not in ("", None) and r.get(empty) in ("", None))


def _section_mean(f: Facts, ref: str) -> Any:
    """The mean of the levels chosen on a section's rating items; unknown while none is rated."""
    module_id, _, section_id = ref.partition(".")
    levels = []
    for item_id in _section_items(module_id, section_id):
        level = _rating(f, f"{module_id}.{item_id}")
        if level is not UNKNOWN:
            levels.append(level)
    return sum(levels) / len(levels) if levels else UNKNOWN


@cache
def _section_items(module_id: str, section_id: str) -> tuple[str, ...]:
    module = next((m for m in all_modules() if m.id == module_id), None)
    section = next((s for s in module.sections if s.id == section_id), None) if module else None
    return tuple(i.id for i in section.items if kind_of(i).rated) if section else ()


LEADER_ROLES = ("Senior district leader", "Principal")


def _leaders_gone(f: Facts) -> Any:
    """Senior leaders, principals and the team lead on the previous convening's roster (00) missing from this one."""
    def leaders(answers: dict[str, dict[str, Answer]]) -> set[str] | None:
        answer = answers.get("00_team", {}).get("roster_table")
        if answer is None or not isinstance(answer.value, list):
            return None
        return {str(r.get("name") or "").strip().lower() for r in answer.value if isinstance(r, dict)
                and (r.get("role") in LEADER_ROLES or r.get("lead") == "Yes") and str(r.get("name") or "").strip()}

    before, now = leaders(f.previous), leaders(f.answers)
    return UNKNOWN if before is None or now is None else len(before - now)


def _text(f: Facts, ref: str) -> Any:
    value = f.value(ref)
    return value.strip() if isinstance(value, str) and value.strip() else UNKNOWN


def _answered(f: Facts, ref: str) -> bool:
    return f.value(ref) is not UNKNOWN


def _started(f: Facts, module_id: str) -> bool:
    return bool(f.answers.get(module_id))


def _team_count(f: Facts, role: str) -> int:
    return sum(1 for m in f.district.team if m.role == role)


def _team_attends(f: Facts, role: str) -> Any:
    members = [m for m in f.district.team if m.role == role]
    return UNKNOWN if not members else any(m.attends_meetings for m in members)


def _initiatives(f: Facts, status: str) -> int:
    """Initiatives in the profile with this status, not counting the collaboration's own work (`focus: true`)."""
    return sum(1 for i in f.district.initiatives if i.status == status and not i.focus)


def _work_structures(f: Facts, voluntary: bool) -> int:
    return sum(1 for s in f.district.structures if s.used_for_the_work and s.voluntary == voluntary)


def _structures_not_carrying(f: Facts, kind: str) -> int:
    """Structures of a kind the district has that do not carry the work (a principals' meeting, say)."""
    return sum(1 for s in f.district.structures if s.kind == kind and not s.used_for_the_work)


def _lead_has_competing_duties(f: Facts) -> Any:
    leads = [m for m in f.district.team if m.lead]
    return UNKNOWN if not leads else any(m.competing_duties for m in leads)


def _roles_naming_the_work(f: Facts) -> Any:
    """Team members whose job description names the work; unknown when the profile records it for nobody."""
    recorded = [m for m in f.district.team if m.work_in_job_description is not None]
    return UNKNOWN if not recorded else sum(1 for m in recorded if m.work_in_job_description)


def _year(f: Facts) -> Any:
    return UNKNOWN if f.year is None else f.year


# name → (function, kinds of its arguments: "item:<types>", "module", "role", "status", "str", "bool")
FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "rating": (_rating, ("item:rating",)),
    "choice": (_choice, ("item:choice",)),
    "previous_choice": (_previous_choice, ("item:choice",)),
    "checked": (_checked, ("item:checklist", "option")),
    "count_checked": (_count_checked, ("item:checklist", "str")),
    "count_rows": (_count_rows, ("item:table", "column", "str")),
    "count_open_rows": (_count_open_rows, ("item:table", "column", "column")),
    "section_mean": (_section_mean, ("section",)),
    "text": (_text, ("item:text",)),
    "answered": (_answered, ("item:any",)),
    "started": (_started, ("module",)),
    "team_count": (_team_count, ("role",)),
    "team_attends": (_team_attends, ("role",)),
    "initiatives": (_initiatives, ("status",)),
    "work_structures": (_work_structures, ("bool",)),
    "structures_not_carrying": (_structures_not_carrying, ("structure_kind",)),
    "lead_has_competing_duties": (_lead_has_competing_duties, ()),
    "roles_naming_the_work": (_roles_naming_the_work, ()),
    "leaders_gone": (_leaders_gone, ()),
    "year": (_year, ()),
}


# checking a condition --------------------------------------------------------------------------

ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Compare, ast.Eq, ast.NotEq,
           ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Call, ast.Name, ast.Load, ast.Constant,
           ast.Tuple, ast.List, ast.BinOp, ast.Add, ast.Sub)


def check(when: str, modules: dict[str, Module]) -> tuple[list[str], list[str]]:
    """Problems with a condition (empty if fine) and the item refs it reads."""
    from kit.districts import ROLES, STRUCTURE_KINDS

    try:
        tree = ast.parse(" ".join(when.split()), mode="eval")
    except SyntaxError as exc:
        return [f"condition is not a valid expression ({exc.msg})"], []
    problems: list[str] = []
    refs: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED):
            problems.append(f"`{ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__}`"
                            " is not allowed in a condition")
            continue
        called = any(isinstance(p, ast.Call) and p.func is node for p in ast.walk(tree))
        if isinstance(node, ast.Name) and not called and node.id not in ("True", "False", "None"):
            problems.append(f"unknown name {node.id!r}")
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else "?"
        if name not in FUNCTIONS:
            problems.append(f"unknown function {name!r} (known: {', '.join(sorted(FUNCTIONS))})")
            continue
        kinds = FUNCTIONS[name][1]
        args = node.args
        if node.keywords or not min(1, len(kinds)) <= len(args) <= len(kinds):
            problems.append(f"{name}() takes {plural(len(kinds), 'argument') if kinds else 'no arguments'},"
                            " written as plain values")
            continue
        if not all(isinstance(a, ast.Constant) for a in args):
            problems.append(f"{name}() takes literal values, not expressions")
            continue
        values = [a.value for a in args]
        item = None
        for kind, value in zip(kinds, values, strict=False):
            if kind.startswith("item:"):
                module_id, _, item_id = str(value).partition(".")
                module = modules.get(module_id)
                if module is None or item_id not in {i.id for i in module.items()}:
                    problems.append(f"{name}(): unknown item {value!r} (write it as module_id.item_id)")
                    break
                item = module.item(item_id)
                wanted = kind.split(":")[1]
                if wanted not in ("any", item.type):
                    problems.append(f"{name}(): {value!r} is a {item.type} item, not {kind.split(':')[1]}")
                    break
                refs.append(str(value))
            elif kind == "option" and item is not None and value not in {o.id for o in item.options}:
                problems.append(f"{name}(): {item.id!r} has no option {value!r}")
            elif kind == "column" and item is not None and value not in {c.id for c in item.columns}:
                problems.append(f"{name}(): table {item.id!r} has no column {value!r}")
            elif kind == "module" and value not in modules:
                problems.append(f"{name}(): unknown module {value!r}")
            elif kind == "section":
                module_id, _, section_id = str(value).partition(".")
                module = modules.get(module_id)
                section = next((s for s in module.sections if s.id == section_id), None) if module else None
                if section is None:
                    problems.append(f"{name}(): unknown section {value!r} (write it as module_id.section_id)")
                else:
                    refs.extend(f"{module_id}.{i.id}" for i in section.items if kind_of(i).rated)
            elif kind == "structure_kind" and value not in STRUCTURE_KINDS:
                problems.append(f"{name}(): unknown structure kind {value!r} (known: {', '.join(STRUCTURE_KINDS)})")
            elif kind == "role" and value not in ROLES:
                problems.append(f"{name}(): unknown role {value!r} (known: {', '.join(ROLES)})")
            elif kind == "status" and value not in ("active", "planned", "paused", "stopped"):
                problems.append(f"{name}(): unknown status {value!r}")
            elif kind == "bool" and not isinstance(value, bool):
                problems.append(f"{name}() takes True or False")
    return problems, refs


# evaluating --------------------------------------------------------------------------------------


def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    ops: dict[type, Callable[[Any, Any], bool]] = {
        ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
        ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
        ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    }
    try:
        return ops[type(op)](left, right)
    except TypeError:
        return UNKNOWN


def _eval(node: ast.AST, facts: Facts) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, facts)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_eval(e, facts) for e in node.elts)
    if isinstance(node, ast.Call):
        func = FUNCTIONS[node.func.id][0]  # type: ignore[attr-defined]
        return func(facts, *[a.value for a in node.args])  # type: ignore[attr-defined]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, facts)
        return UNKNOWN if value is UNKNOWN else not value
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, facts), _eval(node.right, facts)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        return left + right if isinstance(node.op, ast.Add) else left - right
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, facts) for v in node.values]
        decisive = isinstance(node.op, ast.Or)  # True decides an `or`, False decides an `and`
        if any(v is not UNKNOWN and bool(v) is decisive for v in values):
            return decisive
        return UNKNOWN if any(v is UNKNOWN for v in values) else not decisive
    if isinstance(node, ast.Compare):
        left = _eval(node.left, facts)
        result: Any = True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, facts)
            outcome = _compare(op, left, right)
            if outcome is False:
                return False
            if outcome is UNKNOWN:
                result = UNKNOWN
            left = right
        return result
    raise KitError(f"cannot evaluate {ast.dump(node)}")  # check() keeps this from happening


# loading -----------------------------------------------------------------------------------------


def load_rules(path: Path | None = None) -> list[Diagnostic]:
    """Every rule, validated (schema, conditions, unique ids), or raise InvalidFile.

    Cached per file version: worksheets re-run the diagnostics after every save.
    """
    path = path or modules_dir() / "diagnostics.yaml"
    return list(_load_rules(path, file_stamp(path)))


@cache
def _load_rules(path: Path, _stamp: int) -> tuple[Diagnostic, ...]:
    data = load_yaml(path)
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidFile(problems_from(path, data, exc)) from None
    modules = {m.id: m for m in all_modules()}
    problems: list[Problem] = []
    seen: set[str] = set()
    for n, rule in enumerate(parsed.rules):
        if rule.id in seen:
            problems.append(Problem(str(path), f"duplicate rule id {rule.id!r}", line_of(data, ["rules", n, "id"]),
                                    f"rules[{n}].id", "give each rule its own id"))
        seen.add(rule.id)
        for message in check(rule.when, modules)[0]:
            problems.append(Problem(str(path), message, line_of(data, ["rules", n, "when"]), f"rules[{n}].when",
                                    "see the functions listed in modules/README.md"))
    if problems:
        raise InvalidFile(problems)
    module_rules = [r for m in modules.values() for r in m.diagnostics]
    return (*parsed.rules, *module_rules)


@cache
def _refs(when: str) -> tuple[str, ...]:
    """The items a condition reads (where its flag is shown); worked out once per condition, not per save."""
    return tuple(check(when, {m.id: m for m in all_modules()})[1])


@cache
def _parsed(when: str) -> ast.Expression:
    return ast.parse(" ".join(when.split()), mode="eval")  # YAML folding may leave indented lines


def evaluate(rules: list[Diagnostic], district: District, answers: dict[str, dict[str, Answer]],
             previous: dict[str, dict[str, Answer]] | None = None, year: int | None = None) -> list[Flag]:
    """The rules that fire for a district, most severe first (`year`: of the three-year arc, if known)."""
    facts = Facts(district, answers, previous or {}, year)
    flags = []
    for rule in rules:
        if _eval(_parsed(rule.when), facts) is True:
            flags.append(Flag(rule, _refs(rule.when)))
    order = {"risk": 0, "watch": 1, "info": 2}
    return sorted(flags, key=lambda f: order[f.rule.severity])


def previous_convening(convening: str) -> str | None:
    return str(int(convening) - 1) if convening.isdigit() and int(convening) > 1 else None


def school_year(day: date) -> int:
    """The calendar year a school year starts in (July to June): 2027-01-14 → 2026."""
    return day.year if day.month >= 7 else day.year - 1


def collaboration_year(store: Store | None, convening: str, cohort: str | None = None) -> int | None:
    """Which year of the three-year arc a convening falls in, from the cohort's convening dates; None if unknown.

    Year 1 is the school year of the cohort's first dated convening, so the briefs' two rhythms (three
    1.5-day events a year, or two 2-day convenings) both count right. Without `cohort`, the store's
    convenings are used when they all belong to one cohort.
    """
    if store is None or not convening.isdigit():
        return None
    found = store.convenings(cohort) if cohort else store.all_convenings()
    if len({c.cohort for c in found}) != 1:
        return None
    dated = [c for c in found if c.date is not None]
    this = next((c for c in dated if c.key == str(int(convening))), None)
    if this is None or this.date is None:
        return None
    first = min(dated, key=lambda c: c.number).date
    assert first is not None
    return school_year(this.date) - school_year(first) + 1


def diagnose(store: Store | None, district: District, convening: str,
             rules: list[Diagnostic] | None = None, cohort: str | None = None) -> list[Flag]:
    """Flags for a district at a convening, reading every module's latest answers from the store."""
    rules = rules if rules is not None else load_rules()
    ids = [m.id for m in all_modules()]
    answers = {m: store.latest(district.id, convening, m) for m in ids} if store else {}
    before = previous_convening(convening)
    previous = {m: store.latest(district.id, before, m) for m in ids} if store and before else {}
    return evaluate(rules, district, answers, previous, collaboration_year(store, convening, cohort))

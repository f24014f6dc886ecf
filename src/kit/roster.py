"""`kit template roster` and `kit import`: district profiles from a roster spreadsheet.

A roster workbook has three sheets (and an `instructions` sheet that the import ignores):

- `districts`: id, name, collaboration, grades, focus (one row per district);
- `schools`: district, name, level, students, on_team (one row per school);
- `team`: district, name, role, site, lead, attends_meetings (one row per team member).

Importing creates `<cohort>/<id>.yaml` for a new district and updates an existing one in place:
a blank cell keeps what the file says, and a district's school or team list is replaced by the
roster's rows only when the roster has rows for it (people and schools are matched by name, so
the fields the roster does not carry, such as `source`, are kept). Everything else in the file,
comments included, is left as it is. Every row is checked against the district schema first;
if any row is wrong, nothing is written and every problem is listed with its sheet, row and column.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kit.atomic import atomic_path
from kit.districts import (
    COLLABORATIONS,
    ROLE_LABELS,
    ROLES,
    District,
    Member,
    School,
    check_slug,
    district_files,
    load_district,
)
from kit.errors import InvalidFile, KitError, Problem
from kit.yamlfile import plain, read_text

NEW_SOURCE = "roster"  # the source of a school or member first added by an import
YES_NO = ("yes", "no")
LEVELS = ("preschool", "elementary", "middle", "high", "k8", "other")


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    example: str
    choices: tuple[str, ...] = ()
    width: int = 18


SHEETS: dict[str, tuple[Column, ...]] = {
    "districts": (
        Column("id", "Short name for links and file names: lowercase letters, digits, single hyphens.", "harbor-bay"),
        Column("name", "The district's name.", "Harbor Bay Unified", width=28),
        Column("collaboration", "Which collaboration the district is in.", "p3cc-math", tuple(COLLABORATIONS)),
        Column("grades", "Grades the work covers, separated by commas.", "TK, K, 1, 2, 3"),
        Column("focus", "The team's focus, in a sentence or two.", "Early math routines in every TK–3 classroom.",
               width=60),
    ),
    "schools": (
        Column("district", "The district's id, as on the districts sheet.", "harbor-bay"),
        Column("name", "The school's name.", "Bayside Elementary", width=32),
        Column("level", "School level.", "elementary", LEVELS),
        Column("students", "Number of students (may be left blank).", "420", width=10),
        Column("on_team", "Is the school represented on the team?", "yes", YES_NO, width=10),
    ),
    "team": (
        Column("district", "The district's id, as on the districts sheet.", "harbor-bay"),
        Column("name", "The person's name.", "Ana Ruiz", width=28),
        Column("role", "Role on the team.", "teacher", ROLES, width=26),
        Column("site", "School or office where the person works.", "Bayside Elementary", width=32),
        Column("lead", "Does the person lead the team? (blank: no)", "no", YES_NO, width=10),
        Column("attends_meetings", "Does the person come to team meetings? (blank: yes)", "yes", YES_NO, width=18),
    ),
}
NOUNS = {"role": "a role", "level": "a school level", "collaboration": "a collaboration", "lead": "yes or no",
         "on_team": "yes or no", "attends_meetings": "yes or no"}
ROLE_NAMES = {**{label.casefold(): role for role, label in ROLE_LABELS.items()}, **{r: r for r in ROLES}}
TEMPLATE_ROWS = 500  # rows that get the drop-down lists


def write_template(out: Path) -> Path:
    """A blank roster workbook: an instructions sheet, then the three sheets with headers and drop-downs."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from kit.spreadsheet import add_table_sheet, put

    wb = Workbook()
    wb.remove(wb.active)
    guide = add_table_sheet(wb, "instructions", ["sheet", "column", "what to write", "allowed values", "example"],
                            [12, 18, 60, 40, 30])
    row = 2
    for sheet, columns in SHEETS.items():
        for column in columns:
            allowed = ", ".join(column.choices)
            if column.name == "role":
                allowed = ", ".join(f"{r} ({ROLE_LABELS[r]})" for r in ROLES)
            for c, value in enumerate([sheet, column.name, column.help, allowed, column.example], start=1):
                put(guide, row, c, value)
            row += 1
    notes = [
        "Fill in the districts, schools and team sheets (one row each); this sheet is not imported.",
        "Then run: kit import roster.xlsx --cohort my-cohort. An existing district file is updated: a blank"
        " cell keeps what the file says; rows on the schools or team sheet replace that district's list.",
        "Nothing is written if any row is wrong; each problem names its sheet, row and column.",
    ]
    for text in notes:
        note = put(guide, row + 1, 1, text)
        note.font, note.alignment = Font(italic=True), Alignment(wrap_text=False)  # runs on across the sheet
        row += 1
    for sheet, columns in SHEETS.items():
        ws = add_table_sheet(wb, sheet, [c.name for c in columns], [c.width for c in columns])
        for n, column in enumerate(columns):
            if column.choices:
                letter = get_column_letter(n + 1)
                check = DataValidation(type="list", formula1=f'"{",".join(column.choices)}"', allow_blank=True,
                                       showErrorMessage=True, errorTitle=f"Not a valid {column.name}",
                                       error=f"Use one of: {', '.join(column.choices)}")
                check.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
                ws.add_data_validation(check)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out


# reading ----------------------------------------------------------------------------------------

Cells = dict[str, Any]  # column name → value of one row, blanks left out


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_roster(path: Path) -> dict[str, list[tuple[int, Cells]]]:
    """Each known sheet's rows as (row number, cells); a .csv file is read as the team sheet."""
    problems: list[Problem] = []
    if path.suffix.lower() == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise KitError(f"{path}: cannot read it as UTF-8 text ({exc}) — save the CSV as UTF-8") from None
        tables = {"team": list(csv.reader(io.StringIO(text)))}
    else:
        from kit.spreadsheet import read_sheets

        tables = read_sheets(path)
    found: dict[str, list[tuple[int, Cells]]] = {}
    for sheet, columns in SHEETS.items():
        table = tables.get(sheet)
        if not table:
            continue
        names = [str(h).strip().lower().replace(" ", "_") if h is not None else "" for h in table[0]]
        allowed = [c.name for c in columns]
        for n, name in enumerate(names):
            if name and name not in allowed:
                problems.append(Problem(str(path), f"unknown column {name!r}", field=f"sheet {sheet}, column {n + 1}",
                                        fix=f"use the columns {', '.join(allowed)} (see `kit template roster`)"))
        if "name" not in names or (sheet != "districts" and "district" not in names) or \
                (sheet == "districts" and "id" not in names):
            needed = "id, name" if sheet == "districts" else "district, name"
            problems.append(Problem(str(path), f"the header row lacks {needed}", field=f"sheet {sheet}, row 1",
                                    fix="keep the template's header row"))
            continue
        rows = []
        for number, values in enumerate(table[1:], start=2):
            cells = {name: _cell(v) for name, v in zip(names, values, strict=False) if name in allowed}
            cells = {k: v for k, v in cells.items() if v is not None}
            if cells:
                rows.append((number, cells))
        found[sheet] = rows
    if problems:
        raise InvalidFile(problems)
    if not found:
        raise KitError(f"{path}: no sheet named districts, schools or team — start from `kit template roster`")
    if not any(found.values()):
        raise KitError(f"{path}: no rows to import — fill in the districts, schools or team sheet")
    return found


# importing --------------------------------------------------------------------------------------


@dataclass
class Imported:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096  # keep long flow lines (the sample files' schools and team) as they are
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml



def _merge(target: CommentedMap, model: BaseModel, given: set[str]) -> None:
    """Copy validated values into a YAML map, changing only what the roster gave or the file lacks."""
    fields = type(model).model_fields
    for key, value in model.model_dump().items():
        if key in target and (key not in given or target[key] == value):
            continue
        if key not in target and key not in given and value == fields[key].default:
            continue
        if isinstance(value, list):
            value = CommentedSeq(value)
            value.fa.set_flow_style()
        target[key] = value


def _problems(path: Path, sheet: str, row: int, cells: Cells, error: ValidationError) -> list[Problem]:
    out = []
    for err in error.errors():
        column = str(err["loc"][0]) if err["loc"] else ""
        where = f"sheet {sheet}, row {row}" + (f", column {column}" if column else "")
        given = cells.get(column)
        choices = next((c.choices for c in SHEETS[sheet] if c.name == column), ())
        if err["type"] == "missing":
            message, fix = "is empty", "fill it in"
        elif choices and given is not None:
            message, fix = f"{given!r} is not {NOUNS.get(column, column)}", f"use one of: {', '.join(choices)}"
        elif err["type"] == "value_error":
            message, _, fix = str(err["msg"]).removeprefix("Value error, ").partition(" — ")
        else:
            message = (f"{given!r}: " if given is not None else "") + err["msg"].replace("Input should", "should")
            fix = ""
        out.append(Problem(str(path), message, field=where, fix=fix))
    return out


def _position(problem: Problem) -> tuple[int, int]:
    """Problems in reading order: district files first, then sheet by sheet, row by row."""
    match = re.match(r"sheet (\w+), row (\d+)", problem.field)
    return (list(SHEETS).index(match[1]) + 1, int(match[2])) if match else (0, problem.line or 0)


def _entry(existing: CommentedMap | None, cells: Cells) -> dict[str, Any]:
    """A row's cells over the file's entry (or a new entry's source): blanks keep the file's values."""
    base = plain(existing) if existing is not None else {"source": NEW_SOURCE}
    return {**base, **cells}


def _normalise_choices(sheet: str, cells: Cells) -> None:
    """Accept `Teacher` or `Teacher on special assignment` for the ids `teacher` and `tosa`."""
    for column in SHEETS[sheet]:
        value = cells.get(column.name)
        if column.choices and isinstance(value, str):
            folded = value.casefold()
            if column.name == "role":
                cells["role"] = ROLE_NAMES.get(folded, value)
            elif folded in column.choices:
                cells[column.name] = folded


def plan_import(path: Path, cohort: Path) -> dict[Path, CommentedMap]:
    """Read and check the roster; return the YAML document of every district file to write."""
    sheets = read_roster(path)
    problems: list[Problem] = []
    docs: dict[str, CommentedMap] = {}
    existing_ids = {p.stem for p in district_files(cohort)} if cohort.is_dir() else set()
    broken: set[str] = set()

    def doc_for(district_id: str) -> CommentedMap | None:
        """The district's file as a round-trip YAML document, once; a broken file is reported once."""
        if district_id not in docs and district_id in existing_ids and district_id not in broken:
            try:
                path_of = cohort / f"{district_id}.yaml"
                load_district(path_of)  # the file's own problems first, with line numbers
                docs[district_id] = _yaml().load(read_text(path_of))  # keeps comments and quotes
            except InvalidFile as exc:
                problems.extend(exc.problems)
                broken.add(district_id)
        return docs.get(district_id)

    district_rows: dict[str, tuple[int, Cells]] = {}
    for row, cells in sheets.get("districts", []):
        _normalise_choices("districts", cells)
        district_id = str(cells.get("id", ""))
        where = f"sheet districts, row {row}, column id"
        try:
            check_slug(district_id)
        except ValueError as exc:
            message, _, fix = str(exc).partition(" — ")
            problems.append(Problem(str(path), message, field=where, fix=fix))
            continue
        if district_id in district_rows:
            first = district_rows[district_id][0]
            problems.append(Problem(str(path), f"district {district_id!r} is also on row {first}", field=where,
                                    fix="keep one row per district"))
            continue
        district_rows[district_id] = (row, cells)
        doc = doc_for(district_id)
        if doc is None and district_id not in existing_ids:
            doc = docs[district_id] = CommentedMap(schema_version=1, id=district_id)
            doc.yaml_set_start_comment(f"Written by `kit import` from {path.name}.")

    lists: dict[str, dict[str, list[CommentedMap]]] = {"schools": {}, "team": {}}
    for sheet, model in (("schools", School), ("team", Member)):
        seen: dict[tuple[str, str], int] = {}
        for row, cells in sheets.get(sheet, []):
            district_id = str(cells.pop("district", ""))
            if district_id not in district_rows and district_id not in existing_ids:
                problems.append(Problem(str(path), f"unknown district {district_id!r}",
                                        field=f"sheet {sheet}, row {row}, column district",
                                        fix="add it to the districts sheet, or use the id of a file in the cohort"))
                continue
            _normalise_choices(sheet, cells)
            name_key = (district_id, str(cells.get("name", "")).casefold())
            if "name" in cells and name_key in seen:
                problems.append(Problem(str(path), f"{cells.get('name')!r} is also on row {seen[name_key]}",
                                        field=f"sheet {sheet}, row {row}, column name", fix="keep one row each"))
                continue
            seen[name_key] = row
            doc = doc_for(district_id)
            if doc is None:
                continue
            old = {str(e.get("name", "")).casefold(): e for e in doc.get(sheet) or []}.get(name_key[1])
            try:
                entry = model.model_validate(_entry(old, cells))
            except ValidationError as exc:
                problems.extend(_problems(path, sheet, row, cells, exc))
                continue
            target = old if old is not None else CommentedMap()
            if old is None:
                target.fa.set_flow_style()
            _merge(target, entry, set(cells))
            lists[sheet].setdefault(district_id, []).append(target)

    for district_id, doc in docs.items():
        row, cells = district_rows.get(district_id, (0, {}))
        given = {k: v for k, v in cells.items() if k != "id"}
        if "grades" in given:
            given["grades"] = [g.strip() for g in str(given["grades"]).split(",") if g.strip()]
        candidate = {"pseudonym": False, **plain(doc), **given}  # a new district is a real one
        for sheet in lists:
            if district_id in lists[sheet]:
                candidate[sheet] = plain(lists[sheet][district_id])
        try:
            district = District.model_validate(candidate)
        except ValidationError as exc:
            problems.extend(_problems(path, "districts", row, cells, exc))
            continue
        _merge(doc, district.model_copy(update={"schools": [], "team": []}), set(given))
        for sheet, entries in lists.items():
            if district_id in entries:
                seq = doc.get(sheet)
                if not isinstance(seq, CommentedSeq):
                    seq = doc[sheet] = CommentedSeq()
                seq[:] = entries[district_id]
    if problems:
        raise InvalidFile(sorted(problems, key=_position))
    return {cohort / f"{d}.yaml": doc for d, doc in sorted(docs.items())}


def import_roster(path: Path, cohort: Path) -> Imported:
    """Create or update the cohort's district files from a roster; all of them or none."""
    yaml = _yaml()
    result = Imported([], [], [])
    with ExitStack() as stack:  # every temporary file is written before any is renamed into place
        for target, doc in plan_import(path, cohort).items():
            out = io.StringIO()
            yaml.dump(doc, out)
            text = out.getvalue()
            old = target.read_text(encoding="utf-8") if target.exists() else None
            (result.unchanged if text == old else result.updated if old else result.created).append(target.stem)
            if text != old:
                stack.enter_context(atomic_path(target)).write_text(text, encoding="utf-8")
    return result

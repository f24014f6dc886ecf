"""`kit export`: the latest answer of every item, for a cohort, as an .xlsx workbook or a CSV file.

The tidy table has one row per answered item (district, convening, module, item, prompt, answer,
version, saved_at) with every answer as readable text: option labels instead of ids, a rating as
`3 · Label` and its evidence, a table one row per line. The workbook adds one sheet per module
that a program manager can read: a row per question, a column per district.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kit.atomic import atomic_path
from kit.content import Module, all_modules
from kit.districts import District, load_cohort
from kit.errors import KitError, Problem
from kit.items import answer_text
from kit.store import Answer, Store, default_url

COLUMNS = ["district", "convening", "module", "item", "prompt", "answer", "version", "saved_at"]
FORMATS = ("xlsx", "csv")
REMOVED = "(no longer in the module)"


@dataclass(frozen=True)
class Row:
    district: District
    convening: str
    module: Module
    item: str
    prompt: str
    answer: str
    version: int
    saved_at: datetime

    def values(self) -> list[Any]:
        return [self.district.id, self.convening, self.module.id, self.item, self.prompt, self.answer,
                self.version, self.saved_at]


@dataclass
class Export:
    path: Path
    rows: list[Row]
    convenings: list[str]
    problems: list[Problem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # districts with answers that are not in the cohort


def collect(store: Store, districts: list[District], modules: list[Module], convenings: list[str]) -> list[Row]:
    """One row per latest answer, in convening, district, module and item order."""
    rows = []
    for convening in convenings:
        for district in districts:
            for module in modules:
                answers = store.latest(district.id, convening, module.id)
                items = {item.id: item for item in module.items()}
                order = list(items) + sorted(set(answers) - set(items))  # answers to removed items last
                for item_id in order:
                    answer: Answer | None = answers.get(item_id)
                    if answer is None:
                        continue
                    item = items.get(item_id)
                    rows.append(Row(district, convening, module, item_id, item.prompt if item else REMOVED,
                                    answer_text(item, answer.value, module, empty=""), answer.version, answer.saved_at))
    return rows


def write_csv(rows: list[Row], path: Path) -> None:
    from kit.spreadsheet import csv_safe

    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            values = row.values()
            values[-1] = row.saved_at.isoformat()
            writer.writerow([csv_safe(v) for v in values])


def write_xlsx(rows: list[Row], districts: list[District], modules: list[Module], convenings: list[str],
               path: Path) -> None:
    from openpyxl import Workbook

    from kit.spreadsheet import add_table_sheet, put, sheet_title

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    tidy = add_table_sheet(wb, sheet_title("answers", taken), COLUMNS, [18, 10, 22, 22, 50, 60, 8, 18])
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row.values(), start=1):
            if c == 2 and value.isdigit():
                value = int(value)  # a number, so Excel does not flag "number stored as text"
            elif isinstance(value, datetime):
                value = value.replace(tzinfo=None)  # Excel has no time zones; saved_at is UTC
            cell = put(tidy, r, c, value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    tidy.auto_filter.ref = tidy.dimensions

    columns = [(d, c) for c in convenings for d in districts]
    found = {(row.district.id, row.convening, row.module.id, row.item): row.answer for row in rows}
    for module in modules:
        heads = [d.name if len(convenings) == 1 else f"{d.name} (convening {c})" for d, c in columns]
        ws = add_table_sheet(wb, sheet_title(f"{module.number:02d} {module.short_title}", taken),
                             ["Section", "Question"] + heads, [22, 50] + [40] * len(heads))
        questions = [(s.title, i.id, i.prompt) for s in module.sections for i in s.items]
        known = {q[1] for q in questions}
        extra = sorted({row.item for row in rows if row.module.id == module.id and row.item not in known})
        questions += [(REMOVED, item_id, item_id) for item_id in extra]
        for r, (section, item_id, prompt) in enumerate(questions, start=2):
            put(ws, r, 1, section)
            put(ws, r, 2, prompt)
            for c, (district, convening) in enumerate(columns, start=3):
                put(ws, r, c, found.get((district.id, convening, module.id, item_id), ""))
    with atomic_path(path) as tmp:
        wb.save(tmp)


def export(cohort: Path, out: Path, fmt: str | None = None, convening: str | None = None,
           db: str | None = None) -> Export:
    """Write the cohort's latest answers to `out` (.xlsx or .csv; the format follows the suffix if not given)."""
    fmt = fmt or ("csv" if out.suffix.lower() == ".csv" else "xlsx")
    if fmt not in FORMATS:
        raise KitError(f"unknown format {fmt!r} — use one of: {', '.join(FORMATS)}")
    districts, problems = load_cohort(cohort)
    store = Store.if_exists(db)
    if store is None:
        raise KitError(f"no answer store at {db or default_url()} — answers are saved there by `kit serve`;"
                       " give the store with --db")
    try:
        known = store.answered_convenings()
        if convening is not None and convening not in known:
            raise KitError(f"convening {convening!r} has no answers in {store.url}"
                           f" — convenings with answers: {', '.join(known) or '(none yet)'}")
        convenings = [convening] if convening is not None else known
        modules = all_modules()
        rows = collect(store, districts, modules, convenings)
        ids = {d.id for d in districts}
        left_out = sorted({d for c in convenings for d, _m in store.answered_items(c)} - ids)
    finally:
        store.close()
    if fmt == "csv":
        write_csv(rows, out)
    else:
        write_xlsx(rows, districts, modules, convenings or ["1"], out)
    return Export(out, rows, convenings, problems, left_out)

"""Load answers from a YAML file into the store (the sample cohort's synthetic history, or a hand-off).

Each value is checked against its item before anything is written; a value equal to the latest
saved one is skipped, so loading the same file twice adds no versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from kit.content import get_module
from kit.districts import check_slug
from kit.errors import InvalidFile, KitError, Problem
from kit.items import kind_of
from kit.store import Store
from kit.yamlfile import line_of, load_yaml, plain


@dataclass
class Batch:
    """The answers of one convening in an answers file."""

    convening: str
    when: date | None = None
    title: str = ""
    rows: list[tuple[str, str, str, Any]] = field(default_factory=list)  # (district, module, item, value)


def read_answers(path: Path) -> list[Batch]:
    """Every convening's answers in a file, each value checked against its item; or InvalidFile.

    Two shapes: `convening:` + `answers:` (one convening), or `convenings:`, a list of
    `{number, date, title, answers}` (a history, like the sample cohort's).
    """
    data = load_yaml(path)
    problems: list[Problem] = []
    if isinstance(data.get("convenings"), list):
        entries = [(["convenings", n], entry) for n, entry in enumerate(data["convenings"])]
    elif isinstance(data.get("answers"), dict):
        entries = [([], {"number": data.get("convening", "1"), "answers": data["answers"]})]
    else:
        raise InvalidFile([Problem(str(path), "no `answers:` mapping or `convenings:` list", 1, "answers",
                                   "see the sample file, sample_districts/_sample_answers.yaml")])
    batches = []
    for where, entry in entries:
        name = ".".join(map(str, where)) or "convening"
        if not isinstance(entry, dict) or not str(entry.get("number", "")).isdigit():
            problems.append(Problem(str(path), "each convening needs a `number` (1, 2, …)", line_of(data, where),
                                    f"{name}.number"))
            continue
        when = entry.get("date")
        if when is not None and not isinstance(when, date):
            problems.append(Problem(str(path), f"date {when!r} is not a date", line_of(data, [*where, "date"]),
                                    f"{name}.date", "write it as 2027-01-14"))
            continue
        batch = Batch(str(entry["number"]), when, str(entry.get("title") or ""))
        _read_rows(path, data, [*where, "answers"], entry.get("answers"), batch.rows, problems)
        batches.append(batch)
    if problems:
        raise InvalidFile(problems)
    return batches


def _read_rows(path: Path, data: Any, where: list[Any], answers: Any, rows: list[tuple[str, str, str, Any]],
               problems: list[Problem]) -> None:
    prefix = ".".join(map(str, where))
    if not isinstance(answers, dict):
        problems.append(Problem(str(path), "`answers:` must map districts to modules", line_of(data, where), prefix))
        return
    for district, modules in answers.items():
        try:
            check_slug(str(district))
        except ValueError as exc:
            problems.append(Problem(str(path), str(exc), line_of(data, [*where, district]), f"{prefix}.{district}"))
            continue
        for module_id, items in (modules or {}).items():
            try:
                module = get_module(str(module_id))
            except KitError as exc:
                problems.append(Problem(str(path), str(exc), line_of(data, [*where, district, module_id]),
                                        f"{prefix}.{district}.{module_id}"))
                continue
            for item_id, value in (items or {}).items():
                loc = [*where, district, module_id, item_id]
                name = f"{prefix}.{district}.{module_id}.{item_id}"
                try:
                    item = module.item(str(item_id))
                except KitError as exc:
                    problems.append(Problem(str(path), str(exc), line_of(data, loc), name))
                    continue
                answer = plain(value)
                if not kind_of(item).fits(item, answer):
                    problems.append(Problem(str(path), f"value does not fit a {item.type} item", line_of(data, loc),
                                            name, "see modules/README.md for each item type's answer"))
                    continue
                rows.append((str(district), module.id, item.id, answer))



def load_answers(path: Path, store: Store, client: str = "sample-answers", cohort: str | None = None) -> int:
    """Write the file's answers (and its convenings, for `cohort`) into the store; returns new versions saved.

    A history's answers are stamped with their convening's date, so "saved at" reads as when it happened.
    """
    batches = read_answers(path)
    cohort = cohort or path.parent.name
    saved = 0
    for batch in batches:
        if batch.when or batch.title:
            store.add_convening(cohort, int(batch.convening), batch.when, batch.title)
        at = datetime.combine(batch.when, time(12), UTC) if batch.when else None
        for district, module, item, value in batch.rows:
            latest = store.latest(district, batch.convening, module).get(item)
            if latest is not None and latest.value == value:
                continue
            store.save(district, batch.convening, module, item, value, client=client, at=at)
            saved += 1
    return saved

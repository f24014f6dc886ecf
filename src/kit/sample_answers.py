"""Load answers from a YAML file into the store (the sample cohort's synthetic answers, or a hand-off).

Each value is checked against its item before anything is written; a value equal to the latest
saved one is skipped, so loading the same file twice adds no versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kit.content import ChecklistItem, ChoiceItem, RankingItem, RatingItem, TableItem, TextItem, get_module
from kit.districts import check_slug
from kit.errors import InvalidFile, KitError, Problem
from kit.store import Store
from kit.yamlfile import line_of, load_yaml


def _fits(item: Any, value: Any) -> bool:
    if isinstance(item, RatingItem):
        return isinstance(value, dict) and isinstance(value.get("level"), int)
    if isinstance(item, TextItem):
        return isinstance(value, str)
    if isinstance(item, ChoiceItem):
        return value in {o.id for o in item.options}
    if isinstance(item, ChecklistItem):
        return isinstance(value, list) and set(value) <= {o.id for o in item.options}
    if isinstance(item, RankingItem):
        return isinstance(value, dict) and set(value) <= {o.id for o in item.options}
    if isinstance(item, TableItem):
        columns = {c.id for c in item.columns}
        return isinstance(value, list) and all(isinstance(r, dict) and set(r) <= columns for r in value)
    return False


def read_answers(path: Path) -> tuple[str, list[tuple[str, str, str, Any]]]:
    """The convening and (district, module, item, value) rows of a file, or InvalidFile."""
    data = load_yaml(path)
    problems: list[Problem] = []
    rows: list[tuple[str, str, str, Any]] = []
    convening = str(data.get("convening", "1"))
    answers = data.get("answers")
    if not isinstance(answers, dict):
        raise InvalidFile([Problem(str(path), "no `answers:` mapping", 1, "answers", "see the sample file")])
    for district, modules in answers.items():
        try:
            check_slug(str(district))
        except ValueError as exc:
            problems.append(Problem(str(path), str(exc), line_of(data, ["answers", district]), f"answers.{district}"))
            continue
        for module_id, items in (modules or {}).items():
            try:
                module = get_module(str(module_id))
            except KitError as exc:
                problems.append(Problem(str(path), str(exc), line_of(data, ["answers", district, module_id]),
                                        f"answers.{district}.{module_id}"))
                continue
            for item_id, value in (items or {}).items():
                loc = ["answers", district, module_id, item_id]
                field = f"answers.{district}.{module_id}.{item_id}"
                try:
                    item = module.item(str(item_id))
                except KitError as exc:
                    problems.append(Problem(str(path), str(exc), line_of(data, loc), field))
                    continue
                plain = _plain(value)
                if not _fits(item, plain):
                    problems.append(Problem(str(path), f"value does not fit a {item.type} item", line_of(data, loc),
                                            field, "see modules/README.md for each item type's answer"))
                    continue
                rows.append((str(district), module.id, item.id, plain))
    if problems:
        raise InvalidFile(problems)
    return convening, rows


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (for JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load_answers(path: Path, store: Store, client: str = "sample-answers") -> int:
    """Write the file's answers into the store; returns how many new versions were saved."""
    convening, rows = read_answers(path)
    saved = 0
    for district, module, item, value in rows:
        latest = store.latest(district, convening, module).get(item)
        if latest is not None and latest.value == value:
            continue
        store.save(district, convening, module, item, value, client=client)
        saved += 1
    return saved

"""Timed agendas computed from the module durations, so the YAML stays the one source of time.

Blocks follow one another from the start time; a break follows every stretch of about 90
minutes of work, lunch comes once the morning passes noon, and a module that would run past
the end of the day moves to the next day's start (a convening is 1.5 days: day 2 ends at
half-day). A module is never split.


A convening's own blocks, as the run of show lays them out (the welcome, team time and share-outs
that `agenda` does not invent), are content: `modules/agenda.yaml`, read by `convening_blocks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from kit.content import Module, Strict, Text, get_module
from kit.errors import InvalidFile, KitError, Problem
from kit.pages import render
from kit.paths import modules_dir
from kit.yamlfile import file_stamp, line_of, load_yaml, problems_from

AGENDA_FILE = "agenda.yaml"
BREAK = timedelta(minutes=15)
LUNCH = timedelta(minutes=45)
STRETCH = timedelta(minutes=90)


@dataclass(frozen=True)
class Block:
    start: datetime
    end: datetime
    title: str
    module: Module | None = None

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def agenda(modules: list[Module], start: datetime, day_end: time = time(16, 0),
           last_day_end: time = time(12, 30), days: int = 2) -> list[Block]:
    """Lay the modules out over the convening's days, with breaks and lunch."""
    blocks: list[Block] = []
    day_start = start.time()
    clock = start
    worked = timedelta()
    had_lunch = False
    day = 1

    def end_of(day_number: int) -> datetime:
        limit = last_day_end if day_number == days else day_end
        return datetime.combine((start + timedelta(days=day_number - 1)).date(), limit)

    for module in modules:
        length = timedelta(minutes=module.duration_minutes)
        lunch_due = (not had_lunch and day < days and clock.time() >= time(11, 30)
                     and (clock + length).time() > time(12, 30))
        if lunch_due and clock + LUNCH + length <= end_of(day):
            blocks.append(Block(clock, clock + LUNCH, "Lunch"))
            clock += LUNCH
            had_lunch, worked = True, timedelta()
        elif worked >= STRETCH and clock + BREAK + length <= end_of(day):
            blocks.append(Block(clock, clock + BREAK, "Break"))
            clock += BREAK
            worked = timedelta()
        if clock + length > end_of(day):
            day += 1
            if day > days:
                raise KitError(
                    f"the modules do not fit in {days} days: {module.id} would end after "
                    f"{end_of(days):%H:%M} on day {days} — choose fewer modules with --modules"
                )
            clock = datetime.combine((start + timedelta(days=day - 1)).date(), day_start)
            worked, had_lunch = timedelta(), False
        blocks.append(Block(clock, clock + length, f"{module.number:02d} · {module.title}", module))
        clock += length
        worked += length
    return blocks


def as_markdown(blocks: list[Block]) -> str:
    lines = []
    current = None
    for block in blocks:
        if block.start.date() != current:
            current = block.start.date()
            lines += ["", f"## {block.start:%A %d %B %Y}", "", "| Start | End | Minutes | Block |",
                      "|---|---|---|---|"]
        lines.append(f"| {block.start:%H:%M} | {block.end:%H:%M} | {block.minutes} | {block.title} |")
    return "# Convening agenda\n" + "\n".join(lines) + "\n"


def as_html(blocks: list[Block]) -> str:
    days: dict[date, list[Block]] = {}
    for block in blocks:
        days.setdefault(block.start.date(), []).append(block)
    return render("agenda.html", days=list(days.items()))


# A convening's agenda as content (modules/agenda.yaml) -------------------------------------------


class AgendaBlock(Strict):
    """A module's block (its length from the module's file), or another block with a title and minutes."""

    module: str | None = None
    title: Text | None = None
    minutes: int | None = Field(default=None, ge=1, le=480)

    @model_validator(mode="after")
    def _one_kind(self) -> AgendaBlock:
        if self.module is not None and (self.title is not None or self.minutes is not None):
            raise ValueError("a module's block takes its title and minutes from the module's file"
                             " — give either `module:` alone, or `title:` and `minutes:`")
        if self.module is None and (self.title is None or self.minutes is None):
            raise ValueError("a block needs `module:`, or both `title:` and `minutes:`"
                             " — e.g. `{title: Break, minutes: 15}`")
        return self


class AgendaDay(Strict):
    start: time
    blocks: list[AgendaBlock] = Field(min_length=1)


class ConveningAgenda(Strict):
    number: int = Field(ge=1, le=99)
    days: list[AgendaDay] = Field(min_length=1, max_length=5)


class AgendaFile(Strict):
    schema_version: Literal[1]
    convenings: list[ConveningAgenda] = Field(min_length=1)


PlannedDay = tuple[time, list[tuple[AgendaBlock, Module | None]]]  # a day's start, and its blocks with their modules


def load_agenda(path: Path | None = None) -> dict[int, list[PlannedDay]]:
    """Every convening's days (start, blocks with their modules), validated; or raise InvalidFile.

    A module is named as anywhere else in the kit (`02_scale`, `02`); the modules are looked up
    beside the agenda file, so `kit validate` of another folder checks against that folder's modules.
    """
    path = path or modules_dir() / AGENDA_FILE
    return _load_agenda(path, file_stamp(path))


@cache
def _load_agenda(path: Path, _stamp: int) -> dict[int, list[PlannedDay]]:
    data = load_yaml(path)
    try:
        parsed = AgendaFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidFile(problems_from(path, data, exc)) from None
    problems: list[Problem] = []
    out: dict[int, list[PlannedDay]] = {}
    for c, convening in enumerate(parsed.convenings):
        if convening.number in out:
            problems.append(Problem(str(path), f"convening {convening.number} is given twice",
                                    line_of(data, ["convenings", c, "number"]), f"convenings[{c}].number",
                                    "give each convening's agenda once"))
        days = []
        for d, day in enumerate(convening.days):
            blocks = []
            for b, block in enumerate(day.blocks):
                module = None
                if block.module is not None:
                    try:
                        module = get_module(block.module, path.parent)
                    except KitError as exc:
                        loc = ["convenings", c, "days", d, "blocks", b, "module"]
                        message, _, fix = str(exc).partition(" — ")
                        problems.append(Problem(str(path), message, line_of(data, loc),
                                                f"convenings[{c}].days[{d}].blocks[{b}].module", fix))
                blocks.append((block, module))
            days.append((day.start, blocks))
        out[convening.number] = days
    if problems:
        raise InvalidFile(problems)
    return out


def convening_blocks(number: int = 1, first_day: date | None = None, path: Path | None = None) -> list[Block]:
    """A convening's blocks from modules/agenda.yaml, timed from each day's start (day 2 is the next
    date); a convening the file does not lay out gets the first one it does."""
    agendas = load_agenda(path)
    days = agendas.get(number) or agendas[min(agendas)]
    first_day = first_day or date.today()
    blocks: list[Block] = []
    for n, (start, day) in enumerate(days):
        clock = datetime.combine(first_day + timedelta(days=n), start)
        for block, module in day:
            if module is not None:
                length, title = module.duration_minutes, f"{module.number:02d} · {module.title}"
            else:
                length, title = block.minutes or 0, block.title or ""
            blocks.append(Block(clock, clock + timedelta(minutes=length), title, module))
            clock += timedelta(minutes=length)
    return blocks


def convening_modules(number: int = 1) -> str:
    """The modules a convening's agenda holds, in order, as `kit agenda --modules` takes them."""
    return ",".join(f"{b.module.number:02d}" for b in convening_blocks(number) if b.module)

"""Timed agendas computed from the module durations, so the YAML stays the one source of time.

Blocks follow one another from the start time; a break follows every stretch of about 90
minutes of work, lunch comes once the morning passes noon, and a module that would run past
the end of the day moves to the next day's start (a convening is 1.5 days: day 2 ends at
half-day). A module is never split.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kit.content import Module
from kit.errors import KitError
from kit.pages import render

FIRST_CONVENING = "00,01,02,03,04,05"  # the modules of a first convening, as the run of show lays it out
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

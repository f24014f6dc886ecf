"""The live room of a convening: the program manager's timer over the day's blocks, the module in
session, which item is compared side by side and whether it is revealed, and each team's "We're done".

The state lives in the store (`room_state`), not in a kernel, so a reloaded projector page, a second
program-manager laptop and every team's workspace read the same room. The program manager writes
the key "room"; a team writes only its own "done:<district>", so no two writers share a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from string import ascii_uppercase
from typing import Any

from pydantic import BaseModel, ValidationError

from kit.agenda import Block, convening_blocks
from kit.content import Module, all_modules
from kit.districts import District
from kit.items import answer_text, kind_of
from kit.store import Answer, Store


class Timer(BaseModel):
    block: int = 0  # which of the day's blocks is on
    running: bool = False
    ends_at: datetime | None = None  # while running
    left: float | None = None  # seconds left while paused; None: the block's whole length


class Room(BaseModel):
    module: str | None = None  # the module in session ("send the room to a module")
    item: str | None = None  # the item the room compares side by side
    reveal: bool = False  # teams' answers to it shown on the projector
    anonymous: bool = False  # "Team A", "Team B" … instead of district names
    timer: Timer = Timer()


def day_blocks(convening: str = "1", day: date | None = None) -> list[Block]:
    """The convening's blocks (welcome, modules, breaks, lunch, share-outs) as modules/agenda.yaml and
    the run of show lay them out."""
    return convening_blocks(int(convening) if convening.isdigit() else 1, day)


def _length(blocks: list[Block], index: int) -> float:
    return blocks[index].minutes * 60.0 if 0 <= index < len(blocks) else 0.0


def remaining(room: Room, blocks: list[Block], now: datetime) -> float:
    """Seconds left in the current block; below zero when it has run over."""
    timer = room.timer
    if timer.running and timer.ends_at is not None:
        return (timer.ends_at - now).total_seconds()
    return timer.left if timer.left is not None else _length(blocks, timer.block)


def start(room: Room, blocks: list[Block], now: datetime) -> Room:
    if room.timer.running:
        return room
    ends = now + timedelta(seconds=remaining(room, blocks, now))
    return room.model_copy(update={"timer": Timer(block=room.timer.block, running=True, ends_at=ends)})


def pause(room: Room, blocks: list[Block], now: datetime) -> Room:
    if not room.timer.running:
        return room
    return room.model_copy(update={"timer": Timer(block=room.timer.block, left=remaining(room, blocks, now))})


def extend(room: Room, blocks: list[Block], now: datetime, minutes: float = 5) -> Room:
    timer = room.timer
    if timer.running and timer.ends_at is not None:
        changed = timer.model_copy(update={"ends_at": timer.ends_at + timedelta(minutes=minutes)})
    else:
        changed = timer.model_copy(update={"left": remaining(room, blocks, now) + minutes * 60})
    return room.model_copy(update={"timer": changed})


def skip_to(room: Room, blocks: list[Block], index: int) -> Room:
    """Go to block `index`, paused at its whole length; a module's block puts the room on that module."""
    index = max(0, min(index, len(blocks) - 1))
    module = blocks[index].module
    return room.model_copy(update={
        "timer": Timer(block=index),
        "module": module.id if module else room.module,
        "item": None if module and module.id != room.module else room.item,
        "reveal": False if module and module.id != room.module else room.reveal,
    })


def next_block(room: Room, blocks: list[Block], now: datetime) -> Room:
    """Move on to the next block; a clock that was running goes on running, at the new block's length."""
    moved = skip_to(room, blocks, room.timer.block + 1)
    return start(moved, blocks, now) if room.timer.running else moved


def is_set_up(store: Store, cohort: str) -> bool:
    """Whether a program manager has ever set this cohort's room (a room set back to the defaults is)."""
    return "room" in store.room(cohort)


def load(store: Store, cohort: str) -> tuple[Room, dict[str, tuple[str, datetime]]]:
    """The room, and each team's last "We're done": district → (the module it was said on, when)."""
    state = store.room(cohort)
    try:
        room = Room.model_validate(state.get("room") or {})
    except ValidationError:  # a damaged row must not take the projector down: start from a fresh room
        room = Room()
    done: dict[str, tuple[str, datetime]] = {}
    for key, value in state.items():
        if key.startswith("done:") and isinstance(value, dict) and value:
            try:
                done[key.removeprefix("done:")] = (str(value["module"]), datetime.fromisoformat(value["at"]))
            except (KeyError, TypeError, ValueError):
                continue  # taken back ({}), or damaged: not done
    return room, done


def save(store: Store, cohort: str, room: Room) -> None:
    store.put_room(cohort, "room", room.model_dump(mode="json"))


def say_done(store: Store, cohort: str, district: str, module: str, done: bool = True,
             now: datetime | None = None) -> None:
    """A team's "We're done" (or taking it back) for the module it is on."""
    at = (now or datetime.now(UTC)).isoformat()
    store.put_room(cohort, f"done:{district}", {"module": module, "at": at} if done else {})


@dataclass(frozen=True)
class TeamStatus:
    district: District
    label: str  # the district's name, or "Team A" … when the room is anonymous
    answered: int
    total: int
    last_save: datetime | None
    done: bool  # said "We're done" and has not edited since


def labels(districts: list[District], anonymous: bool) -> dict[str, str]:
    def letter(n: int) -> str:
        return ascii_uppercase[n] if n < len(ascii_uppercase) else str(n + 1)

    return {d.id: f"Team {letter(n)}" if anonymous else d.name for n, d in enumerate(districts)}


def statuses(store: Store, districts: list[District], convening: str, room: Room,
             done: dict[str, tuple[str, datetime]], modules: list[Module] | None = None) -> list[TeamStatus]:
    """Per team, for the module in session: items answered, last save, and whether it is done (said
    on this module, and no save since)."""
    module = next((m for m in modules or all_modules() if m.id == room.module), None)
    if module is None:
        return []
    counts = store.answered_items(convening, module.id)
    names = labels(districts, room.anonymous)
    out = []
    for d in districts:
        answered, last = counts.get((d.id, module.id), (0, None))
        module_said, said = done.get(d.id, ("", None))
        out.append(TeamStatus(d, names[d.id], answered, len(module.items()), last,
                              module_said == module.id and said is not None and (last is None or said >= last)))
    return out


@dataclass(frozen=True)
class Shown:
    label: str
    answer: Answer | None
    text: str  # the answer as plain text (the view escapes it)
    level: int = 0  # a rating's level, or a choice's place among its options (1-based); 0: none
    top: int = 0  # the highest level, or the number of options: the bar's full length
    rows: tuple[tuple[str, ...], ...] = ()  # a table's rows, one text per column


def side_by_side(store: Store, districts: list[District], convening: str, room: Room,
                 modules: list[Module] | None = None) -> tuple[Any, list[Shown]]:
    """The item the room compares, and every team's current answer to it."""
    module = next((m for m in modules or all_modules() if m.id == room.module), None)
    item = next((i for i in module.items() if i.id == room.item), None) if module else None
    if module is None or item is None:
        return None, []
    names = labels(districts, room.anonymous)
    shown = []
    for d in districts:
        answer = store.latest(d.id, convening, module.id).get(item.id)
        value = answer.value if answer else None
        kind = kind_of(item)
        level, top = kind.place(item, value, module)
        shown.append(Shown(names[d.id], answer, answer_text(item, value, module, 2000), level, top,
                           kind.cells(item, value)))
    return item, shown

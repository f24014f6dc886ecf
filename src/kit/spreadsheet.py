"""Spreadsheet cells written safely and read defensively (openpyxl), shared by export and roster import.

Whatever a team typed is written as text, never as a formula: in an .xlsx file every string cell
gets the string type (openpyxl would otherwise store `=…` as a formula), and one that starts like a
formula also gets Excel's quote prefix; in a CSV file such a value gets a leading `'` (OWASP's advice).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kit.errors import KitError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32_767  # Excel's limit on the characters in one cell
WRAP = Alignment(wrap_text=True, vertical="top")
BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write a value; text stays text (a leading `=` is shown, not calculated)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters make a file Excel refuses
        value = value.replace("\r\n", "\n").replace("\r", "\n")  # XML would turn a bare CR into LF anyway
        if len(value) > MAX_CELL:
            value = value[: MAX_CELL - 1] + "…"
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # Excel keeps it text even after someone edits the cell
    cell.alignment = WRAP
    return cell


def csv_safe(value: Any) -> Any:
    """A CSV value that a spreadsheet will not run: `'` before a value that starts like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def add_table_sheet(wb: Workbook, title: str, headers: list[str], widths: list[int]) -> Worksheet:
    """A sheet with a bold, frozen header row and the given column widths (in characters)."""
    ws = wb.create_sheet(title)
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        put(ws, 1, column, header).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
    return ws


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unused sheet name: at most 31 characters, none of []:*?/\\."""
    base = " ".join(text.translate(BAD_SHEET_CHARS).split()).strip("'")[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def read_sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's rows (lower-cased sheet name → rows of values) of an .xlsx file, or KitError."""
    if not path.is_file():
        raise KitError(f"{path}: no such file")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            return {ws.title.strip().lower(): [list(row) for row in ws.iter_rows(values_only=True)]
                    for ws in wb.worksheets}
        finally:
            wb.close()
    except Exception as exc:  # noqa: BLE001 - a damaged file fails in many ways (zip, XML, openpyxl's own)
        reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise KitError(f"{path}: not a readable .xlsx workbook ({reason})"
                       " — save it as an Excel workbook (.xlsx), or start from `kit template roster`") from None

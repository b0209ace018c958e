"""A streaming scan of worksheet XML for what parsers hide: error cells, formulas without a
calculated value, cells far outside any return, text longer than Excel allows, and shared-string
amplification; and, when the workbook has a percent number format (see numformats), which cells
carry it.

It is expat, fed each chunk as it is inflated, finding cells as the reader does (local names, so
any namespace prefix; either quote; character references decoded), not searches for bytes, which
XML can be written around.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

from pipeline.intake.screen.ooxml import PackageError, TooLarge, a1, feed, refusing_parser

if TYPE_CHECKING:
    from pipeline.intake.screen.numformats import PercentCells


@dataclass
class SharedStrings:
    """Length in characters of each shared string, fed in chunks to expat: all the text from one
    <si> (any prefix) to the next, which is the string the reader takes (its <t> runs) and at most
    a little more (phonetic runs, white space between elements): good enough for the caps, and
    only the start of each element calls Python, while expat itself appends the text."""

    max_text: int
    lengths: list[int] = field(default_factory=list)
    _parser: expat.XMLParserType = field(init=False, repr=False)
    _pieces: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._parser = parser = refusing_parser()
        names, code_of, lengths, pieces = _NAMES, _code, self.lengths, self._pieces
        took = self._took

        def start(name: str, _attrs: list[str]) -> None:
            if (names.get(name) or code_of(name)) == _STRING:
                if pieces:
                    took()
                lengths.append(0)

        parser.StartElementHandler = start
        parser.CharacterDataHandler = pieces.append

    def feed(self, chunk: bytes, final: bool = False) -> None:
        feed(self._parser, chunk, final)
        if len(self._pieces) > 64 or final:
            self._took()  # a very long string comes in many pieces: counted as they come

    def _took(self) -> None:
        """The text read since the last <si> started, onto its length."""
        pieces = self._pieces
        if self.lengths:
            self.lengths[-1] += sum(map(len, pieces))
            if self.lengths[-1] > self.max_text:
                raise TooLarge(f"a piece of text is longer than the {self.max_text:,} characters a cell can hold")
        pieces.clear()


_EXTERNAL_REF = re.compile(r"\[\d+\]")  # in a formula's text: [1]Sheet1!A1, a cell of another workbook


def _int(digits: bytes | str) -> int:
    """A number from a file's digits; absurdly long ones (Python refuses over 4,300 digits) count as
    too far out, as they are, instead of failing the screen."""
    return int(digits) if len(digits) <= 18 else 10**18


def column_number(letters: str) -> int:
    """1-based column number of 'A', 'Z', 'AA'...; a run of letters longer than any column's
    (XFD is the last) counts as too far out without the arithmetic."""
    if len(letters) > 4:
        return 10**18
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


# Where a cell reference as written ('B7') is, 0-based (row, col): returns made from one template
# write the same references, so a pass looks most of them up here. Kept small: only references
# as short as a real one (XFD1048576) are kept, and a file full of distinct ones only empties it
# more often.
_PLACES: dict[str, tuple[int, int]] = {}
_MAX_PLACES = 100_000
_LONGEST_REF = len("XFD1048576")


def _place(ref: str) -> tuple[int, int]:
    """Where a cell reference (letters, then digits) is, 0-based; PackageError if it is none."""
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    number = _int(digits) if digits else 0
    if number < 1 or not (letters.isalpha() and letters.isascii()):
        raise PackageError(f"a cell referenced as {ref[:20]!r}")
    place = (number - 1, column_number(letters) - 1)
    if len(ref) <= _LONGEST_REF:
        if len(_PLACES) >= _MAX_PLACES:
            _PLACES.clear()
        _PLACES[ref] = place
    return place


# What an element is to the sheet scan, by local name. Elements that may stand inside a cell
# (up to _FORMULA; _PART: a string's text, rich-text runs, their formatting, phonetic runs,
# extensions) leave it open; any other element ends it, as does the end of the part.
_PART, _INLINE, _VALUE, _FORMULA, _CELL, _ROW, _SHEET_DATA, _STRING, _OTHER = range(1, 10)
_CODES = {
    "c": _CELL,
    "row": _ROW,
    "v": _VALUE,
    "f": _FORMULA,
    "is": _INLINE,
    "t": _PART,
    "sheetData": _SHEET_DATA,
    "si": _STRING,
}
_CODES.update(
    dict.fromkeys(
        (
            "r",
            "rPr",
            "rPh",
            "phoneticPr",
            "extLst",
            "ext",
            "b",
            "i",
            "strike",
            "condense",
            "extend",
            "outline",
            "shadow",
            "u",
            "vertAlign",
            "sz",
            "color",
            "rFont",
            "family",
            "charset",
            "scheme",
        ),
        _PART,
    )
)
_NAMES: dict[str, int] = {}  # element name as written ('x:c') -> its code
_MAX_NAMES = 10_000  # a real part has a few dozen names; a file made of distinct ones only empties it


def _code(name: str) -> int:
    if len(_NAMES) >= _MAX_NAMES:
        _NAMES.clear()
    code = _NAMES[name] = _CODES.get(name.rpartition(":")[2], _OTHER)
    return code


# What a cell holds, as flags: a value, a formula, an inline string.
_HAS_VALUE, _HAS_FORMULA, _HAS_INLINE = 1, 2, 4


@dataclass
class SheetScan:
    """What one worksheet holds that readers hide, from its XML as expat parses it, fed in chunks:
    error cells, formulas without a calculated value, cells far outside any return, text longer
    than Excel allows, strings that are not in the shared strings, and the cells that carry a
    percent format.

    Cells are found and placed as the reader finds and places them: a <c> with any prefix, from
    <sheetData> on, at its r= (letters, then digits), else after the previous cell of its row; a
    <row> at its r=, else after the previous row; attributes (r, t, s) only without a prefix.
    Expat calls Python for every element, and that is most of what a return's screen costs, so
    only the start of an element is handled, and only from <sheetData> on (before it, a handler
    that looks for <sheetData> alone, and no text is kept): a cell ends where an element that
    cannot be inside one starts, and the text of a <v>, <f> or <t> is what expat appended (no
    Python call) up to the next element. Where that differs from the reader it is stricter: a
    cell after </sheetData> is screened though the reader skips it. Positions are 0-based.
    """

    max_rows: int
    max_columns: int
    max_text: int
    sst: list[int]
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    uncalculated: list[tuple[int, int]] = field(default_factory=list)
    external: list[tuple[int, int]] = field(default_factory=list)
    bad_string_refs: list[tuple[int, int]] = field(default_factory=list)
    formulas: int = 0
    text_chars: int = 0
    percents: PercentCells | None = None  # None, or no styles in it: the workbook has no percent format
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # holding a value and %-formatted
    _parser: expat.XMLParserType = field(init=False, repr=False)
    _last: Callable[[], None] = field(init=False, repr=False)  # ends the cell open at the end of the part

    def __post_init__(self) -> None:
        self._parser = parser = refusing_parser()
        # Attributes as a dict (built by expat in C): a cell's r, s and t are three lookups.
        parser.ordered_attributes = False
        names, code_of, places, place_of, max_text = _NAMES, _code, _PLACES, _place, self.max_text
        max_rows, max_columns, sst = self.max_rows, self.max_columns, self.sst
        percents = self.percents
        styles = percents.styles if percents is not None else frozenset()
        percent_styles = percents.written if percents is not None else frozenset()
        # None, or the cell being read: [row, col, t=, s=, what it holds (flags), and where in
        # `pieces` the text of its <v>, its <f> and its inline string starts (None: it has none)]
        cell: Any = None
        row = col = next_row = 0  # where a cell without r= goes; the row a <row> without r= is
        pieces: list[str] = []  # the text since the cell started, appended by expat itself
        clear = pieces.clear

        def before(name: str, _attrs: dict[str, str]) -> None:
            """Until <sheetData>: no cell is read before it, so nothing else is looked at."""
            if (names.get(name) or code_of(name)) == _SHEET_DATA:
                parser.StartElementHandler = start
                parser.CharacterDataHandler = pieces.append

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal cell, row, col, next_row
            code = names.get(name) or code_of(name)
            if code <= _FORMULA:  # an element that may stand inside a cell
                if cell is None:
                    if code != _VALUE and pieces:
                        clear()  # text outside any cell, which no reader reads
                elif code == _INLINE:
                    cell[4] |= _HAS_INLINE
                    cell[7] = len(pieces)
                elif code == _VALUE:
                    cell[4] |= _HAS_VALUE
                    cell[5] = len(pieces)
                elif code == _FORMULA:
                    cell[4] |= _HAS_FORMULA
                    cell[6] = len(pieces)
                    self.formulas += 1
                return
            if cell is not None:  # any other element ends the cell
                if cell[4]:
                    held(cell)
                cell = None
            if code == _CELL:
                if pieces:
                    clear()  # text between cells, which no reader reads
                ref = attrs.get("r")
                if ref is None:
                    cell = [row, col, attrs.get("t"), attrs.get("s"), 0, None, None, None]
                    col += 1
                    return
                number, here = places.get(ref) or place_of(ref)
                cell = [number, here, attrs.get("t"), attrs.get("s"), 0, None, None, None]
                col = here + 1
            elif code == _ROW:
                numbered = attrs.get("r") if attrs else None
                if numbered is not None:
                    number = _int(numbered) if numbered.isdigit() and numbered.isascii() else 0
                    if number < 1:
                        raise PackageError(f"a row numbered {numbered[:20]!r}")
                    next_row = number - 1
                row, col = next_row, 0
                next_row += 1
            elif pieces:
                clear()  # text outside any cell, which no reader reads

        def text(cell: list, at: int | None) -> str | None:
            """The text of the cell's element whose text starts at `at`: up to the next one's."""
            if at is None:
                return None
            ends = [mark for mark in cell[5:8] if mark is not None and mark > at]
            value = "".join(pieces[at : min(ends)] if ends else pieces[at:])
            if len(value) > max_text:
                raise TooLarge(
                    f"the text in {a1(cell[0], cell[1])} is longer than the {max_text:,} characters a cell can hold"
                )
            return value

        def held(cell: list) -> None:
            """A cell that holds something, which the reader will read."""
            row, col, kind, style, holds, at, _, inline_at = cell
            if row >= max_rows or col >= max_columns:
                raise TooLarge(
                    f"a cell at {a1(row, col)} is far beyond the template "
                    f"(a return never goes past row {max_rows:,} or column {a1(0, max_columns - 1)[:-1]})"
                )
            if holds == _HAS_INLINE:  # a cell with an inline string alone: its text runs to the end
                inline = "".join(pieces[inline_at:])
                if len(inline) > max_text:
                    text(cell, inline_at)  # raises, naming the cell
                self.text_chars += len(inline)
                value = None
            else:
                if holds == _HAS_VALUE:  # a value alone: its text runs to the end
                    value = pieces[at] if len(pieces) == at + 1 else "".join(pieces[at:])
                    if len(value) > max_text:
                        text(cell, at)  # raises, naming the cell
                else:
                    value = text(cell, at)
                    if holds & _HAS_FORMULA:
                        if not holds & (_HAS_VALUE | _HAS_INLINE):
                            self.uncalculated.append((row, col))
                        formula = text(cell, cell[6])
                        if formula and "[" in formula and _EXTERNAL_REF.search(formula):
                            self.external.append((row, col))
            if (
                percent_styles
                and style is not None
                and percents is not None
                and (style in percent_styles or (style[:1] == "0" and style.isdigit() and _int(style) in styles))
            ):
                self._note_percent(percents, row, col)
            if holds & _HAS_INLINE:
                if holds != _HAS_INLINE:
                    self.text_chars += len(text(cell, cell[7]) or "")
            elif kind is None:  # a number: the commonest kind after an inline string
                if value:
                    self.text_chars += len(value)
            elif kind == "s":
                digits = value.strip() if value else ""
                index = int(digits) if digits.isdigit() and digits.isascii() and len(digits) <= 18 else -1
                if 0 <= index < len(sst):
                    self.text_chars += sst[index]
                elif holds & _HAS_VALUE:
                    self.bad_string_refs.append((row, col))
            elif kind == "e":
                if holds & _HAS_VALUE:
                    self.errors.append((row, col, (value or "").strip() or "#ERROR"))
            elif value:
                self.text_chars += len(value)

        def last() -> None:
            nonlocal cell
            if cell is not None and cell[4]:
                held(cell)
            cell = None

        parser.StartElementHandler = before
        self._last = last

    def feed(self, chunk: bytes, final: bool = False) -> None:
        feed(self._parser, chunk, final)
        if final:
            self._last()

    def _note_percent(self, percents: PercentCells, row: int, col: int) -> None:
        if percents.room > 0 and (row, col) not in self.percent_cells:
            self.percent_cells.add((row, col))
            percents.room -= 1

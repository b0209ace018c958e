"""Which cell styles of an xlsx show a figure as a percentage, read from xl/styles.xml.

Someone who types 12.5% in Excel gets 0.125 in a cell with a percent number format, and
python-calamine hands back the 0.125 alone; validation needs the format to read the figure
the person sees. A cell's s="N" is an index into the styles part's cellXfs list; the style
is a percent style when its number format is built-in 9 (0%) or 10 (0.00%), or a custom
format (numFmts) whose code has a % that is not quoted, escaped or in brackets.

The styles part is kept as the screen inflates it and parsed with expat, as the sheets are, up
to the end of its cell styles (a format's number or code in either quote, a prefix on every
tag: searches for text missed those); the cells with a percent style are noted by ooxml's sheet
scans as expat reads each cell's s=; both capped, as a hostile file can declare millions of
styles or format millions of cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from pipeline.intake.screen import ooxml

BUILT_IN_PERCENT = frozenset({9, 10})  # 0% and 0.00%
MAX_STYLES_BYTES = 16 * 1024 * 1024  # Excel's 65,490 styles take about 10 MB; past this, no style is read
# What shows as itself rather than scaling the figure: "quoted text", [Red] or [$-809],
# an escaped \%, and the character after _ (a space as wide as it) or * (repeated to fill).
_LITERAL = re.compile(r'"[^"]*"?|\[[^\]]*\]?|[\\_*].?', re.DOTALL)


def percent_code(code: str) -> bool:
    """Whether a number format code shows a figure times 100 with a % sign: '0.0%;[Red]-0.0%'
    does, '0.00" pts"' and '0\\%' do not."""
    return "%" in code and "%" in _LITERAL.sub("", code)


@ooxml.same_parts_once
def percent_styles(xml: bytes, max_styles: int) -> frozenset[int]:
    """The style indices (a cell's s="N") whose number format shows a percentage, from the
    styles part; only its first `max_styles` styles and custom formats are read."""
    if not xml:
        return frozenset()  # no styles part
    custom: dict[int, bool] = {}  # custom format number -> whether it is a percent
    formats: list[int | None] = []  # each cell style's format number, in order
    _scan(xml, max_styles, custom, formats)
    wanted = {number for number, percent in custom.items() if percent} | (BUILT_IN_PERCENT - custom.keys())
    return frozenset(index for index, number in enumerate(formats) if number in wanted)


class _Done(Exception):
    """The cell styles have all been read (or the cap reached): the rest of the part is not needed."""


def _scan(xml: bytes, max_styles: int, custom: dict[int, bool], formats: list[int | None]) -> None:
    """The custom formats (numFmts/numFmt) and the cell styles (cellXfs/xf) of a styles part, parsed
    with expat as the sheets are: local names (any prefix), unprefixed attributes in either quote,
    character references decoded. A part that is not a styleSheet has none. Only the start of an
    element calls Python: expat appends each end's name itself, so the depth is starts less ends."""
    ends: list[str] = []
    started = 0
    section = ""  # the child of the root being read

    def start(name: str, attrs: list[str]) -> None:
        nonlocal started, section
        depth = started - len(ends)
        started += 1
        if depth == 2:
            if section == "cellXfs":
                if name.rpartition(":")[2] == "xf":
                    if len(formats) >= max_styles:
                        raise _Done
                    formats.append(_number(_attribute(attrs, "numFmtId")))
            elif section == "numFmts" and name.rpartition(":")[2] == "numFmt" and len(custom) < max_styles:
                number, code = _number(_attribute(attrs, "numFmtId")), _attribute(attrs, "formatCode")
                if number is not None and code is not None:
                    custom[number] = percent_code(code)
        elif depth == 1:
            if section == "cellXfs":
                raise _Done  # the cell styles are over: nothing after them is needed
            section = name.rpartition(":")[2]
        elif depth == 0 and name.rpartition(":")[2] != "styleSheet":
            raise _Done

    parser = ooxml.refusing_parser()
    parser.StartElementHandler, parser.EndElementHandler = start, ends.append
    try:
        parser.Parse(xml, True)
    except _Done:
        pass
    except expat.ExpatError as exc:
        raise ooxml.PackageError(f"malformed XML: {exc}") from exc


def _attribute(attrs: list[str], name: str) -> str | None:
    """An unprefixed attribute's value from expat's [name, value, ...] list."""
    names = attrs[::2]
    return attrs[names.index(name) * 2 + 1] if name in names else None


def _number(text: str | None) -> int | None:
    """A format number as written (' 9', '09'), or None if it is not one."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and text.isascii() and len(text) <= 9 else None


@dataclass
class StylesPart:
    """The styles part as the screen inflates it in chunks: kept up to MAX_STYLES_BYTES, and
    given up past that, when no style counts as a percent."""

    data: list[bytes] = field(default_factory=list)
    size: int = 0

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= MAX_STYLES_BYTES:
            self.data.append(chunk)

    def percent_styles(self, max_styles: int) -> frozenset[int]:
        """As `percent_styles` of the whole part."""
        return percent_styles(b"".join(self.data), max_styles) if self.size <= MAX_STYLES_BYTES else frozenset()


@dataclass
class PercentCells:
    """What the sheet scans of one workbook need to find its %-formatted cells, and how many
    more they may note: the cap is on the whole workbook, as a hostile file can format millions."""

    styles: frozenset[int]  # style indices (a cell's s="N") whose number format is a percentage
    room: int  # cells still to be noted
    written: frozenset[str] = field(init=False)  # the same as s= writes them, worked out once a workbook

    def __post_init__(self) -> None:
        self.written = frozenset(str(n) for n in self.styles)

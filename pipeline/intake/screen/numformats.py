"""Which cell styles of an xlsx show a figure as a percentage, read from xl/styles.xml.

Someone who types 12.5% in Excel gets 0.125 in a cell with a percent number format, and
python-calamine hands back the 0.125 alone; validation needs the format to read the figure
the person sees. A cell's s="N" is an index into the styles part's cellXfs list; the style
is a percent style when its number format is built-in 9 (0%) or 10 (0.00%), or a custom
format (numFmts) whose code has a % that is not quoted, escaped or in brackets.

The styles part is read as the screen inflates it (searches for literal text rather than a
parser: tens of microseconds for a return), and the cells with a percent style are noted by
ooxml's sheet scans as expat reads each cell's s=; both capped, as a hostile file can declare
millions of styles or format millions of cells.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

BUILT_IN_PERCENT = frozenset({9, 10})  # 0% and 0.00%
MAX_STYLES_BYTES = 16 * 1024 * 1024  # Excel's 65,490 styles take about 10 MB; past this, no style is read
_ROOT = re.compile(rb"<(\w+:)?styleSheet[\s>/]")
_NUM_FMT_ID = re.compile(rb"""\bnumFmtId\s*=\s*["'](\d{1,9})["']""")
_FORMAT_CODE = re.compile(rb"""\bformatCode\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# What shows as itself rather than scaling the figure: "quoted text", [Red] or [$-809],
# an escaped \%, and the character after _ (a space as wide as it) or * (repeated to fill).
_LITERAL = re.compile(r'"[^"]*"?|\[[^\]]*\]?|[\\_*].?', re.DOTALL)


def percent_code(code: str) -> bool:
    """Whether a number format code shows a figure times 100 with a % sign: '0.0%;[Red]-0.0%'
    does, '0.00" pts"' and '0\\%' do not."""
    return "%" in code and "%" in _LITERAL.sub("", code)


def percent_styles(xml: bytes, max_styles: int) -> frozenset[int]:
    """The style indices (a cell's s="N") whose number format shows a percentage, from the
    styles part; only its first `max_styles` styles and custom formats are read."""
    if b"%" not in xml and b"&#" not in xml and b'numFmtId="9"' not in xml and b'numFmtId="10"' not in xml:
        return frozenset()  # nearly every return: no percent format at all, as searches in C show
    root = _ROOT.search(xml, 0, 4096)
    if root is None:
        return frozenset()
    prefix = root.group(1) or b""  # the tags looked for are spelled as the root is (x:xf)
    custom: dict[int, bool] = {}
    for tag in islice(_custom_format(prefix).finditer(_section(xml, prefix, b"numFmts")), max_styles):
        number, code = _NUM_FMT_ID.search(tag.group(1)), _FORMAT_CODE.search(tag.group(1))
        if number and code:
            text = (code.group(1) or code.group(2) or b"").decode("utf-8", "replace")
            custom[int(number.group(1))] = percent_code(html.unescape(text) if "&" in text else text)
    wanted = {number for number, percent in custom.items() if percent} | (BUILT_IN_PERCENT - custom.keys())
    if not wanted:
        return frozenset()
    # Each style with a percent format, found by a search in C for numFmtId="N" as writers spell
    # it; its index is the number of <xf tags before it, counted (in C too) from the last found.
    cell_styles = _section(xml, prefix, b"cellXfs")
    numbers = b"|".join(b"%d" % n for n in sorted(wanted)) if len(wanted) <= 64 else rb"\d{1,9}"
    xf, found, index, counted = b"<%sxf" % prefix, set(), -1, 0
    for match in re.finditer(rb'numFmtId="(%s)"' % numbers, cell_styles):
        if int(match.group(1)) in wanted:
            index += cell_styles.count(xf, counted, match.start())
            counted = match.start()
            if index >= max_styles:
                break
            found.add(index)
    return frozenset(found)


@lru_cache(maxsize=8)
def _custom_format(prefix: bytes) -> re.Pattern:
    """A search for a custom format's tag, capturing its attributes, with the namespace prefix
    the root has. It starts with the literal tag name, so it runs in C past everything else."""
    return re.compile(rb"""<%snumFmt\s((?:[^>"'<]|"[^"<]*"|'[^'<]*')*)>""" % re.escape(prefix))  # '>' may be quoted


def _section(xml: bytes, prefix: bytes, name: bytes) -> bytes:
    """What lies between <name ...> and </name>: empty if it is missing or self-closing."""
    name = prefix + name
    start = xml.find(b"<" + name)
    while start >= 0 and xml[start + len(name) + 1 : start + len(name) + 2] not in (b" ", b">", b"/", b"\n"):
        start = xml.find(b"<" + name, start + 1)  # another tag whose name starts the same
    if start < 0:
        return b""
    opened = xml.find(b">", start)
    if opened < 0 or xml[opened - 1 : opened] == b"/":
        return b""
    end = xml.find(b"</" + name, opened)
    return xml[opened + 1 : end if end >= 0 else len(xml)]


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

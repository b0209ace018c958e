"""Cheap looks inside an OOXML package (xlsx, xlsm, xlsb) for the safety screen.

Two jobs, both on bytes that have already passed the zip checks:
- the package map: which part is the workbook, what each sheet is called, its
  type and visibility, found through the relationship parts (parts may live
  outside xl/), parsed with expat, refusing any DTD as defusedxml does;
- a streaming scan of worksheet XML for what parsers hide: error cells,
  formulas without a calculated value, cells far outside any return, text
  longer than Excel allows, and shared-string amplification; and, when the
  workbook has a percent number format (see numformats), which cells carry it.
  It is a regular expression over chunks, not a parser: it must stay a small
  fraction of the time python-calamine takes to read the same file.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from xml.parsers import expat

from .numformats import PercentCells

MAIN_KINDS = (  # content type of the main part -> kind (first match wins)
    ("sheet.binary.macroenabled.main", "xlsb"),
    ("macroenabled.main", "xlsm"),
    ("spreadsheetml.sheet.main", "xlsx"),
    ("spreadsheetml.template.main", "xlsx"),
    ("wordprocessingml", "docx"),
    ("presentationml", "pptx"),
)
SHEET_TYPES = {"worksheet": "worksheet", "chartsheet": "chartsheet", "dialogsheet": "dialogsheet", "xlmacrosheet": "macrosheet"}


class PackageError(ValueError):
    """The package's structure is missing or malformed."""


class XmlDeclaration(Exception):
    """An XML part declares a DTD or entities, which a spreadsheet never needs: the way in of
    XML attacks (entity expansion, external entities)."""


def _refuse(*_args) -> None:
    raise XmlDeclaration("a DTD or entity declaration")


class Element(NamedTuple):
    depth: int  # 0 for the root
    name: str  # local name, without namespace
    attrs: dict[str, str]  # by local name

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)


def parse_xml(data: bytes) -> list[Element]:
    """Every element of a small structural part, in document order.

    Expat (in C) with a start handler, not ElementTree: the package map is a few parts of a
    few kilobytes, and building trees of them cost more than the rest of the screen of a
    small return. As defusedxml does, any DTD or entity declaration is refused; the screen
    has already turned away parts that declare one in bytes it can search (UTF-8), and this
    is the lock for the rest (a part in UTF-16).
    """
    elements: list[Element] = []
    depths = [0]  # the depth of the next element to start

    def start(name: str, attrs: dict[str, str]) -> None:
        if attrs and any(" " in key for key in attrs):
            attrs = {key.rsplit(" ", 1)[-1]: value for key, value in attrs.items()}
        elements.append(Element(depths[-1], name.rsplit(" ", 1)[-1], attrs))
        depths.append(depths[-1] + 1)

    def end(_name: str) -> None:
        depths.pop()

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = parser.ExternalEntityRefHandler = _refuse
    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise PackageError(f"malformed XML: {exc}") from exc
    return elements


def rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def relationships(data: bytes, source_part: str) -> list[tuple[str, str, str]]:
    """(id, type suffix in lower case, resolved part name) for internal targets."""
    out = []
    base = posixpath.dirname(source_part)
    for rel in parse_xml(data):
        if rel.depth != 1 or rel.name != "Relationship" or (rel.get("TargetMode") or "").lower() == "external":
            continue
        target = (rel.get("Target") or "").replace("\\", "/")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        part = posixpath.normpath(part).lstrip("/")
        out.append((rel.get("Id") or "", (rel.get("Type") or "").rsplit("/", 1)[-1].lower(), part))
    return out


def main_part(root_rels: bytes) -> str:
    for _rid, kind, part in relationships(root_rels, ""):
        if kind == "officedocument":
            return part
    raise PackageError("no workbook part")


def content_type(types_xml: bytes, part: str) -> str:
    defaults, overrides = {}, {}
    for item in parse_xml(types_xml):
        name = item.name if item.depth == 1 else ""
        if name == "Override":
            overrides[(item.get("PartName") or "").lstrip("/").casefold()] = item.get("ContentType") or ""
        elif name == "Default":
            defaults[(item.get("Extension") or "").casefold()] = item.get("ContentType") or ""
    found = overrides.get(part.casefold())
    if found is None:
        found = defaults.get(posixpath.splitext(part)[1].lstrip(".").casefold(), "")
    return found.lower()


def kind_of(main_content_type: str) -> str | None:
    for marker, kind in MAIN_KINDS:
        if marker in main_content_type:
            return kind
    return None


@dataclass(frozen=True)
class SheetPart:
    name: str
    state: str  # visible | hidden | veryHidden
    type: str  # worksheet | chartsheet | dialogsheet | macrosheet | unknown
    part: str  # zip entry name of the sheet's XML (or .bin), "" if missing


@dataclass(frozen=True)
class WorkbookInfo:
    sheets: tuple[SheetPart, ...]
    date1904: bool
    full_calc_on_load: bool
    shared_strings: str  # part name, "" if none
    external_links: int
    styles: str = ""  # part name of the styles (number formats), "" if none


def workbook_info(workbook_xml: bytes, workbook_rels: bytes, workbook_part: str) -> WorkbookInfo:
    rels = {rid: (kind, part) for rid, kind, part in relationships(workbook_rels, workbook_part)}
    sheets, date1904, full_calc = [], False, False
    for element in parse_xml(workbook_xml):
        name = element.name
        if name == "sheet":
            kind, part = rels.get(element.get("id") or "", ("", ""))
            state = element.get("state") or "visible"
            state = {"hidden": "hidden", "veryhidden": "veryHidden"}.get(state.lower(), "visible")
            sheets.append(SheetPart(element.get("name") or "", state, SHEET_TYPES.get(kind, "unknown"), part))
        elif name == "workbookPr":
            date1904 = (element.get("date1904") or "").lower() in ("1", "true")
        elif name == "calcPr":
            full_calc = (element.get("fullCalcOnLoad") or "").lower() in ("1", "true")
    sst = next((part for kind, part in rels.values() if kind == "sharedstrings"), "")
    links = sum(1 for kind, _ in rels.values() if kind == "externallink")
    styles = next((part for kind, part in rels.values() if kind == "styles"), "")
    return WorkbookInfo(tuple(sheets), date1904, full_calc, sst, links, styles)


_SI = re.compile(rb"<(?:\w+:)?si\b.*?</(?:\w+:)?si>|<(?:\w+:)?si\s*/>", re.S)
_T_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.S)


def _chars(xml: bytes) -> int:
    """Characters (not UTF-8 bytes) of text in a fragment, for the rare long one."""
    return sum(len(t.decode("utf-8", "replace")) for t in _T_TEXT.findall(xml)) or len(xml.decode("utf-8", "replace"))


class TooLarge(Exception):
    """A cap was passed; the message says which, in plain words."""


@dataclass
class SharedStrings:
    """Length of each shared string, fed in chunks."""

    max_text: int
    lengths: list[int] = field(default_factory=list)
    _buffer: bytes = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        data = self._buffer + chunk
        cut = len(data) if final else data.rfind(b"</si>") + 5
        if cut <= 4:
            self._buffer = data
            if len(data) > 4 * self.max_text + 65536:
                raise TooLarge(f"a piece of text is longer than the {self.max_text:,} characters a cell can hold")
            return
        # Byte length of each <si> element: a slight overestimate of its text,
        # good enough for the caps and far cheaper than extracting the text.
        lengths = [len(body) for body in _SI.findall(data, 0, cut)]
        if lengths and max(lengths) > self.max_text:
            for body in _SI.findall(data, 0, cut):
                if len(body) > self.max_text and _chars(body) > self.max_text:
                    raise TooLarge(f"a piece of text is longer than the {self.max_text:,} characters a cell can hold")
        self.lengths.extend(lengths)
        self._buffer = data[cut:]


_CELL_OR_ROW = re.compile(
    rb"<(?:\w+:)?row\b([^>]*)>|<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S
)
_R_ATTR = re.compile(rb"\br\s*=\s*[\"']([A-Za-z]*)(\d+)[\"']")
_T_ATTR = re.compile(rb"\bt\s*=\s*[\"'](\w+)[\"']")
_V = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_F = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_EXTERNAL_REF = re.compile(rb"\[\d+\]")
_IMPLIED = re.compile(rb"<(?:\w+:)?c(?=[\s/>])(?![^>]*\br\s*=)")  # a cell with no r= attribute
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
# One pass for two things (no namespace prefix): cells that may have no r= (confirmed with
# _IMPLIED, as r= need not come first) and the start of each formula.
_MARKS = re.compile(rb'<(?:c(?:>| (?!r="))|f[ >/])')
_REF = re.compile(rb"([A-Za-z]+)(\d+)")
_S_INDEX = re.compile(rb"t=\"s\"[^>]*>\s*<(?:\w+:)?v>\s*(-?\d+)\s*<")
_LONG_TEXT = re.compile(rb">[^<]{32768,}<")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")
# A formula followed at once by its calculated value, as spreadsheet programs save one.
_CALCULATED = re.compile(rb"<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*<v[\s/>]")
_S_ATTR = re.compile(rb"\bs\s*=\s*[\"'](\d{1,9})[\"']")


def _markers(region: bytes):
    """Where formulas and error cells are, found with searches that run in C."""
    if b"<c " in region:  # no namespace prefix (nearly every writer): plain byte searches
        position = region.find(b"<f")
        while position >= 0:
            if region[position + 2 : position + 3] in (b" ", b">", b"/"):
                yield position
            position = region.find(b"<f", position + 2)
    else:
        for match in _FORMULA.finditer(region):
            yield match.start()
    position = region.find(b't="e"')
    while position >= 0:
        yield position
        position = region.find(b't="e"', position + 1)


def _int(digits: bytes | str) -> int:
    """A number from a file's digits; absurdly long ones (Python refuses over 4,300 digits) count as
    too far out, as they are, instead of failing the screen."""
    return int(digits) if len(digits) <= 18 else 10**18


def column_number(letters: bytes) -> int:
    """1-based column number of 'A', 'Z', 'AA'...; a run of letters longer than any column's
    (XFD is the last) counts as too far out without the arithmetic."""
    if len(letters) > 4:
        return 10**18
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


@dataclass
class SheetScan:
    """What one worksheet holds that readers hide. Positions are 0-based."""

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
    _row: int = -1
    _col: int = -1
    _buffer: bytes = b""
    _implied: bool = False
    _far: re.Pattern | None = None

    def feed(self, chunk: bytes, final: bool = False) -> None:
        data = self._buffer + chunk
        if final:
            cut = len(data)
        else:
            # Cut after a row tag so that no cell is split between two chunks.
            cut = data.rfind(b"</row>")
            cut = cut + 6 if cut >= 0 else data.rfind(b"row>") + 4
        if cut <= 3:
            self._buffer = data
            if len(data) > 4 * self.max_text * self.max_columns:
                raise TooLarge("one row of a sheet holds far more than a return can")
            return
        region, self._buffer = data[:cut], data[cut:]
        if self._implied:
            self._walk(region)
        elif _CELL.search(region):  # else the part after the cells (validations, formatting): nothing to see
            marks = _MARKS.findall(region)
            if any(mark.startswith(b"<c") for mark in marks) and _IMPLIED.search(region):
                # Cells without an r= attribute: positions are implied, walk every cell.
                self._implied = True
                self._walk(region)
            else:
                self._skim(region, sum(1 for mark in marks if mark.startswith(b"<f")))
                if self.percents is not None and self.percents.styles:
                    for letters, digits in self.percents.references(region):
                        self._note_percent(_int(digits) - 1, column_number(letters) - 1)

    def _walk(self, region: bytes) -> None:
        for match in _CELL_OR_ROW.finditer(region):
            if match.group(1) is not None:
                self._start_row(match.group(1))
            else:
                self._cell(match.group(2), match.group(3))

    def _skim(self, region: bytes, formulas: int) -> None:
        """The common case, every cell has its reference: whole-chunk searches in C,
        Python only for the few cells that hold a formula or an error. `formulas` is the
        number of formulas in the region, when its tags have no namespace prefix."""
        if self._far is None:
            # Only references with many letters or digits can be out of bounds.
            letters = 2 if self.max_columns >= 26 else 1
            self._far = re.compile(
                rb" r=\"([A-Za-z]{%d,}\d+|[A-Za-z]+\d{%d,})\"" % (letters, len(str(self.max_rows)))
            )
        for ref in self._far.findall(region):
            found = _REF.match(ref)
            if _int(found.group(2)) > self.max_rows or column_number(found.group(1)) > self.max_columns:
                self._walk(region)  # names the first cell that is too far out, if it holds anything
                return
        indices = _S_INDEX.findall(region) if b't="s"' in region else ()
        if indices:
            numbers = [_int(i) for i in indices]
            if max(numbers) >= len(self.sst):
                self._walk(region)  # names the cells
                return
            self.text_chars += sum(map(self.sst.__getitem__, numbers))
        if len(region) > self.max_text and _LONG_TEXT.search(region):
            self._walk(region)
            return
        if b"<c " in region and b't="e"' not in region:
            # Nearly always: no error cell, and every formula saved with its value and none
            # pointing at another workbook. Counting them is enough; no cell needs a look.
            if not formulas or (len(_CALCULATED.findall(region)) == formulas and not _EXTERNAL_REF.search(region)):
                self.formulas += formulas
                return
        starts = set()
        for position in _markers(region):
            start = max(region.rfind(b"<c ", 0, position), region.rfind(b":c ", 0, position))
            if start >= 0 and region[start] != 60:  # a prefixed "<x:c "
                start = region.rfind(b"<", 0, start)
            if start >= 0 and start not in starts:
                starts.add(start)
                match = _CELL_OR_ROW.match(region, start)
                if match and match.group(1) is None:
                    self._cell(match.group(2), match.group(3), counted=True)

    def _note_percent(self, row: int, col: int) -> None:
        percents = self.percents
        if percents.room > 0 and row < self.max_rows and col < self.max_columns \
                and (row, col) not in self.percent_cells:
            self.percent_cells.add((row, col))
            percents.room -= 1

    def _start_row(self, attrs: bytes) -> None:
        found = re.search(rb"\br\s*=\s*[\"'](\d+)[\"']", attrs)
        self._row = _int(found.group(1)) - 1 if found else self._row + 1
        self._col = -1

    def _cell(self, attrs: bytes, body: bytes | None, counted: bool = False) -> None:
        ref = _R_ATTR.search(attrs)
        if ref and ref.group(1):
            self._row, self._col = _int(ref.group(2)) - 1, column_number(ref.group(1)) - 1
        else:
            self._row, self._col = max(self._row, 0), self._col + 1
        if not body:
            return
        row, col = self._row, self._col
        if row >= self.max_rows or col >= self.max_columns:
            raise TooLarge(
                f"a cell at {a1(row, col)} is far beyond the template "
                f"(a return never goes past row {self.max_rows:,} or column {a1(0, self.max_columns - 1)[:-1]})"
            )
        if self.percents is not None and self.percents.styles:  # cells without r=: the walk finds them
            style = _S_ATTR.search(attrs)
            if style and _int(style.group(1)) in self.percents.styles:
                self._note_percent(row, col)
        t = _T_ATTR.search(attrs)
        cell_type = t.group(1) if t else b"n"
        value = _V.search(body)
        formula = _F.search(body)
        if formula is not None:
            self.formulas += 1
            if value is None:
                self.uncalculated.append((row, col))
            if formula.group(1) and _EXTERNAL_REF.search(formula.group(1)):
                self.external.append((row, col))
        text = value.group(1) if value is not None and value.group(1) else b""
        if cell_type == b"e" and value is not None:
            self.errors.append((row, col, text.decode("utf-8", "replace").strip() or "#ERROR"))
        elif cell_type == b"s" and value is not None:
            try:
                index = _int(text)
            except ValueError:
                index = -1
            if not 0 <= index < len(self.sst):
                self.bad_string_refs.append((row, col))
            elif not counted:
                self.text_chars += self.sst[index]
        else:
            length = sum(len(t) for t in _T_TEXT.findall(body)) if cell_type == b"inlineStr" else len(text)
            if length > self.max_text and _chars(body) > self.max_text:
                raise TooLarge(
                    f"the text in {a1(row, col)} is longer than the {self.max_text:,} characters a cell can hold"
                )
            self.text_chars += length


def a1(row: int, col: int) -> str:
    """0-based (row, col) as an A1 reference: (13, 9) -> 'J14'."""
    letters, col = "", col + 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"

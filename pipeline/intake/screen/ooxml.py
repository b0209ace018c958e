"""Cheap looks inside an OOXML package (xlsx, xlsm, xlsb) for the safety screen: the package map.

On bytes that have already passed the zip checks: which part is the workbook, what each sheet is
called, its type and visibility, found through the relationship parts (parts may live outside
xl/), parsed with expat, refusing any DTD as defusedxml does. The expat parser made here also
scans the worksheets (sheetscan) and the styles part (numformats).
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, ParamSpec, TypeVar
from xml.parsers import expat

if TYPE_CHECKING:  # numformats reads the styles part with this module's parser
    pass

MAIN_KINDS = (  # content type of the main part -> kind (first match wins)
    ("sheet.binary.macroenabled.main", "xlsb"),
    ("macroenabled.main", "xlsm"),
    ("spreadsheetml.sheet.main", "xlsx"),
    ("spreadsheetml.template.main", "xlsx"),
    ("wordprocessingml", "docx"),
    ("presentationml", "pptx"),
)
SHEET_TYPES = {
    "worksheet": "worksheet",
    "chartsheet": "chartsheet",
    "dialogsheet": "dialogsheet",
    "xlmacrosheet": "macrosheet",
}


class PackageError(ValueError):
    """The package's structure is missing or malformed."""


class XmlDeclaration(Exception):
    """An XML part declares a DTD or entities, which a spreadsheet never needs: the way in of
    XML attacks (entity expansion, external entities)."""


def _refuse(*_args: object) -> int:  # typed as expat's handlers are; it never returns
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


_Args = ParamSpec("_Args")
_Result = TypeVar("_Result")
SMALL_PART = 64 * 1024  # bytes: well above a return's package map and styles, which are a few KB each


def same_parts_once(function: Callable[_Args, _Result]) -> Callable[_Args, _Result]:
    """`function` of parts' bytes, worked out once for the same small parts: returns made from one
    template carry the same package map and styles, so most of a pass reads them from here. The
    function must be pure and its result immutable; the parts are still inflated and checked
    before each call, a failure is never kept, and large parts are not kept at all."""
    kept = functools.lru_cache(maxsize=32)(function)

    @functools.wraps(function)
    def once(*args: _Args.args, **kwargs: _Args.kwargs) -> _Result:
        if kwargs or sum(len(arg) for arg in args if isinstance(arg, bytes)) > SMALL_PART:
            return function(*args, **kwargs)
        return kept(*args)

    return once


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


@same_parts_once
def main_part(root_rels: bytes) -> str:
    for _rid, kind, part in relationships(root_rels, ""):
        if kind == "officedocument":
            return part
    raise PackageError("no workbook part")


@same_parts_once
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


@same_parts_once
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


class TooLarge(Exception):
    """A cap was passed; the message says which, in plain words."""


def refusing_parser() -> expat.XMLParserType:
    """An expat parser that refuses any DTD or entity declaration, as defusedxml does, with element
    names as written (prefix and all: the reader matches local names, whatever the namespace) and
    attributes as [name, value, ...] lists, which cost less to build than dicts."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = parser.ExternalEntityRefHandler = _refuse
    parser.ordered_attributes = True
    parser.buffer_text = True
    return parser


def feed(parser: expat.XMLParserType, chunk: bytes, final: bool) -> None:
    try:
        parser.Parse(chunk, final)
    except expat.ExpatError as exc:
        raise PackageError(f"malformed XML: {exc}") from exc


def a1(row: int, col: int) -> str:
    """0-based (row, col) as an A1 reference: (13, 9) -> 'J14'."""
    letters, col = "", col + 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"

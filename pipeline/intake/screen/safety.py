"""The safety screen: look at a file's bytes and zip directory before any parser does.

Parsers are where hostile files hurt (python-calamine aborts the interpreter on
a cell at XFD1048576, openpyxl hangs on shared-string amplification, a zip bomb
inflates to a gigabyte), and their error messages mislead ("not a zip file" for
an encrypted workbook). So the type is sniffed from the bytes, archives are
checked against fixed caps while being inflated in bounded chunks, XML parts
are searched for DTDs, and worksheet XML is scanned cheaply for what parsers
hide (error cells, formulas never calculated, which cells have a percent format).
Nothing here parses a cell value.

This module is the policy: what is screened, the caps, and what each finding says.
The inflating of zip entries under the caps is `zipscan`; the scan of OOXML parts
(expat) is `ooxml`.

Why one module past 400 lines: it is the screen's whole policy (the caps, the order of checks,
every refusal's words) in one reading; the mechanics are in zipscan, ooxml, sheetscan and cfb.
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from pipeline.domain.findings import Finding, finding, has_errors
from pipeline.intake.screen import cfb, odscan, ooxml, sheetscan, zipscan
from pipeline.intake.screen.ooxml import TooLarge, a1

log = logging.getLogger(__name__)

RESEND = "Open it in Excel, save it as an Excel Workbook (.xlsx) and send that."
ASK_TEMPLATE = "Please fill in the return template and send it as an Excel Workbook (.xlsx)."


@dataclass(frozen=True)
class Limits:
    """Caps on what a return can plausibly be; far above our 30-60 KB templates."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_entries: int = 1000
    max_total_uncompressed: int = 200 * 1024 * 1024
    max_ratio: int = 200  # uncompressed : compressed, checked for parts over ratio_floor
    ratio_floor: int = 1024 * 1024
    max_rows: int = 100_000
    max_columns: int = 200
    max_cell_text: int = 32_767  # Excel's own limit for one cell
    max_total_text: int = 50_000_000  # characters of cell text in the whole workbook
    max_cells: int = 1_000_000  # non-empty cells the parser may hand back
    max_findings_per_code: int = 25  # a sheet full of #N/A needs a few examples, not thousands
    max_cell_styles: int = 65_490  # Excel's own limit on distinct cell formats in a workbook
    max_percent_cells: int = 20_000  # %-formatted cells noted; a return has a few hundred figures
    memory_bytes: int = 2 * 1024**3  # RLIMIT_AS of the reading child process
    timeout_seconds: float = 20.0  # wall clock for screening and parsing one file in the child


@dataclass(frozen=True)
class Screened:
    """The screen's verdict: the sniffed kind and findings (any error means reject)."""

    kind: str | None  # xlsx, xlsm, xls, xlsb, ods, csv, or None when rejected
    findings: tuple[Finding, ...] = ()
    sheets: tuple[ooxml.SheetPart, ...] = ()  # OOXML only: names, types, visibility
    error_cells: tuple[tuple[str, int, int, str], ...] = ()  # (sheet, row, col, '#DIV/0!'), 0-based
    date1904: bool = False
    # xlsx, xlsm and ods: (sheet, row, col), 0-based, of cells holding a value with a percent number
    # format (an ods percentage cell), where 12.5% is kept as 0.125 (the parser gives the 0.125 alone).
    percent_cells: tuple[tuple[str, int, int], ...] = ()

    @property
    def rejected(self) -> bool:
        return has_errors(self.findings)

    @property
    def parseable(self) -> bool:
        """Safe to hand to a parser: a known kind and no error other than about cell content."""
        return self.kind is not None and not has_errors(f for f in self.findings if f.code not in CONTENT_CODES)


# Findings about what cells hold: they reject the return, but the file is still
# read so the feedback report can point at the cells.
CONTENT_CODES = frozenset({"formula-error", "formulas-not-calculated", "external-link", "macros-ignored"})

_BINARY_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"{\\rtf", "a Word (RTF) document"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)
_BIFF_BOF = {b"\x09\x00": "Excel 2.x", b"\x09\x02": "Excel 3", b"\x09\x04": "Excel 4"}
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


def _reject(code: str, message: str, fix: str = RESEND, kind: str | None = None) -> Screened:
    return Screened(kind=kind, findings=(finding(code, message, fix),))


def screen(path: Path, limits: Limits = Limits()) -> Screened:
    """Sniff the file's type from its bytes and check it is safe to hand to a parser."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            return _reject(
                "too-large",
                f"This file is {size / 1048576:.1f} MB; a return is never more than "
                f"{limits.max_file_bytes // 1048576} MB.",
                ASK_TEMPLATE,
            )
        data = path.read_bytes()
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return _reject("corrupt", "This file could not be opened.", "Please send it again.")
    if not data:
        return _reject("empty-file", "This file is empty (0 bytes).", "Please send the completed return again.")
    if data.startswith(b"PK"):
        return _screen_zip(path, data, limits)
    if data.startswith(cfb.MAGIC):
        return _screen_ole(data)
    if data[:2] in _BIFF_BOF and data[2:4] in (b"\x04\x00", b"\x06\x00"):
        return _reject(
            "old-format", f"This is an {_BIFF_BOF[data[:2]]} spreadsheet, a format too old to read safely.", RESEND
        )
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return _reject("not-a-spreadsheet", f"This file is {what}, not a spreadsheet.", ASK_TEMPLATE)
    return _screen_text(path, data)


def _screen_text(path: Path, data: bytes) -> Screened:
    head = data[:4096]
    text = _decode_head(head)
    if text is None:
        return _reject("not-a-spreadsheet", "This file is not a spreadsheet.", ASK_TEMPLATE)
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if lowered.startswith(("<html", "<!doctype html", "<table", "<head", "<meta")) or "<html" in lowered[:1024]:
        return _reject(
            "not-a-spreadsheet",
            "This file is a web page (HTML) with a spreadsheet name, not a real Excel file.",
            RESEND,
        )
    if lowered.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        return _reject("old-format", "This file is in the old Excel 2003 XML format.", RESEND)
    if lowered.startswith(("<?xml", "<")):
        return _reject("not-a-spreadsheet", "This file is an XML document, not a spreadsheet.", ASK_TEMPLATE)
    if path.suffix.lower() in _TEXT_SUFFIXES:
        return Screened(kind="csv")
    return _reject(
        "not-a-spreadsheet",
        f"This file is plain text (perhaps CSV) but its name ends in '{path.suffix}', so it is not a real spreadsheet.",
        ASK_TEMPLATE,
    )


def _decode_head(head: bytes) -> str | None:
    """The start of the file as text, or None if it looks binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[2 : len(head) & ~1].decode("utf-16", "replace")
    if b"\x00" in head:
        return None
    text = head.decode("utf-8", "ignore") if head.startswith(b"\xef\xbb\xbf") else head.decode("cp1252", "replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return None if controls > len(text) // 100 else text


def _screen_ole(data: bytes) -> Screened:
    try:
        compound = cfb.open_compound(data)
    except (cfb.CfbError, struct.error) as exc:
        log.info("damaged OLE2 file: %s", exc)
        return _reject("corrupt", "This file is damaged and cannot be read.", "Please save it again and re-send it.")
    if compound.has("EncryptionInfo") or compound.has("EncryptedPackage"):
        return _encrypted()
    if compound.has("WordDocument"):
        return _reject("not-a-spreadsheet", "This file is a Word document, not a spreadsheet.", ASK_TEMPLATE)
    if compound.has("PowerPoint Document"):
        return _reject("not-a-spreadsheet", "This file is a PowerPoint presentation, not a spreadsheet.", ASK_TEMPLATE)
    if not (compound.has("Workbook") or compound.has("Book")):
        return _reject("not-a-spreadsheet", "This file is an Office document but not a spreadsheet.", ASK_TEMPLATE)
    if cfb.biff_encryption(compound.workbook_head):
        return _encrypted(kind="xls")
    return Screened(kind="xls")


def _encrypted(kind: str | None = None) -> Screened:
    return _reject(
        "encrypted", "This file is password-protected.", "Save an unprotected copy and send that.", kind=kind
    )


def _unsafe_name(name: str) -> bool:
    parts = name.split("/")
    return name.startswith("/") or "\\" in name or ".." in parts or (len(name) > 1 and name[1] == ":") or "\x00" in name


def _screen_zip(path: Path, data: bytes, limits: Limits) -> Screened:
    damaged = "This file is damaged (perhaps cut short while being copied or attached) and cannot be read."
    declared = zipscan.declared_entries(data)
    if declared is None:
        return _reject("corrupt", damaged, "Please save it again and re-send it.")
    if declared > limits.max_entries:
        return _reject(
            "too-large",
            f"This file holds {declared:,} internal parts; a return has a few dozen.",
            RESEND,
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))  # the bytes already read: no second open, no seeks
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        log.info("bad zip %s: %s", path, exc)
        return _reject("corrupt", damaged, "Please save it again and re-send it.")
    with archive:
        infos = archive.infolist()
        problem = _check_directory(infos, limits)
        if problem is not None:
            return problem
        try:
            package = zipscan.Package(
                archive, data, infos, limits.max_total_uncompressed, limits.max_ratio, limits.ratio_floor
            )
            return _screen_package(package, limits)
        except TooLarge as exc:
            return _reject("too-large", f"This file is far larger than a return can be: {exc}.", ASK_TEMPLATE)
        except zipscan.XmlDeclaration:
            return _reject(
                "xml-attack",
                "This file contains XML entity declarations, which a spreadsheet never needs "
                "and which are used to attack programs that read it.",
                RESEND,
            )
        except _Rejected as exc:
            return exc.screened
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ooxml.PackageError, NotImplementedError) as exc:
            log.info("damaged package %s: %s", path, exc)
            return _reject("corrupt", damaged, "Please save it again and re-send it.")


def _check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> Screened | None:
    unsafe = "This file's internal structure is unsafe ({}), so it was not opened."
    if len(infos) > limits.max_entries:
        return _reject("too-large", f"This file holds {len(infos):,} internal parts; a return has a few dozen.")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name) or _unsafe_name(getattr(info, "orig_filename", name)):
            return _reject("unsafe-archive", unsafe.format(f"a part is named '{name}'"))
        key = name.casefold()
        if key in seen:
            return _reject("unsafe-archive", unsafe.format(f"two parts are both named '{name}'"))
        seen.add(key)
        if info.flag_bits & 0x1:
            return _encrypted()
        total += info.file_size
        if total > limits.max_total_uncompressed:
            return _reject("too-large", "This file unpacks to far more data than a return can hold.", ASK_TEMPLATE)
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            return _reject("too-large", "This file is packed suspiciously tightly (a 'zip bomb').", ASK_TEMPLATE)
    return None


def directory_problem(infos: list[zipfile.ZipInfo], limits: Limits = Limits()) -> Screened | None:
    """The zip directory checks of the screen, for a zip that is not a workbook (an e-mailed .zip of
    returns): entry count, unsafe or duplicate names, encryption, declared sizes and ratios."""
    return _check_directory(infos, limits)


class _Rejected(Exception):
    """A verdict reached deep in the scan of a package, carried up to _screen_zip."""

    def __init__(self, screened: Screened) -> None:
        super().__init__(screened.findings[0].message)
        self.screened = screened


def _screen_package(package: zipscan.Package, limits: Limits) -> Screened:
    """What kind of spreadsheet a zip is (or why it is none), and what its cells hold."""
    by_name = package.by_name
    if "mimetype" in by_name and "[content_types].xml" not in by_name:
        return _ods(package, limits)
    if "[content_types].xml" not in by_name or "_rels/.rels" not in by_name:
        inside = [
            i.filename.rsplit("/", 1)[-1]
            for i in package.infos
            if i.filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods", ".csv"))
        ]
        if inside:  # a return zipped up to be e-mailed: archives inside archives are not opened here
            shown = ", ".join(repr(n) for n in inside[:3]) + (f" and {len(inside) - 3} more" if len(inside) > 3 else "")
            return _reject(
                "not-a-spreadsheet",
                f"This file is a zip archive holding {shown}, not a spreadsheet.",
                "Unzip it and send the workbook itself.",
            )
        return _reject("not-a-spreadsheet", "This file is a zip archive, not a spreadsheet.", ASK_TEMPLATE)
    main = ooxml.main_part(package.read("_rels/.rels"))
    kind = ooxml.kind_of(ooxml.content_type(package.read("[Content_Types].xml"), main))
    if kind in ("docx", "pptx"):
        what = "a Word document" if kind == "docx" else "a PowerPoint presentation"
        return _reject("not-a-spreadsheet", f"This file is {what}, not a spreadsheet.", ASK_TEMPLATE)
    if kind is None or main.casefold() not in by_name:
        return _reject("not-a-spreadsheet", "This file is not a spreadsheet.", ASK_TEMPLATE)
    rels = ooxml.rels_path(main)
    info = ooxml.WorkbookInfo((), False, False, "", 0)
    if kind != "xlsb":
        info = ooxml.workbook_info(package.read(main), package.read(rels) if rels.casefold() in by_name else b"", main)
    return _contents(package, kind, info, limits)


def _ods(package: zipscan.Package, limits: Limits) -> Screened:
    """An OpenDocument spreadsheet, unless it is another OpenDocument file or encrypted."""
    mimetype = package.read("mimetype").strip()
    if mimetype != b"application/vnd.oasis.opendocument.spreadsheet":
        what = "an OpenDocument file" if mimetype.startswith(b"application/vnd.oasis") else "a zip archive"
        return _reject("not-a-spreadsheet", f"This file is {what}, not a spreadsheet.", ASK_TEMPLATE)
    manifest = package.read("META-INF/manifest.xml") if "meta-inf/manifest.xml" in package.by_name else b""
    if b"encryption-data" in manifest:
        return _encrypted(kind="ods")
    percent: tuple[tuple[str, int, int], ...] = ()
    content = package.by_name.get("content.xml")
    if content is not None:
        scan = odscan.OdsScan(limits.max_rows, limits.max_columns, limits.max_percent_cells)
        try:
            package.stream(content, scan.feed)
            scan.feed(b"", True)
            percent = tuple(scan.cells)
        except expat.ExpatError:
            percent = ()  # damage is for the parser to report, as it reads the file
    package.stream_rest()
    return Screened(kind="ods", percent_cells=percent)


def _contents(package: zipscan.Package, kind: str, info: ooxml.WorkbookInfo, limits: Limits) -> Screened:
    """The verdict on an OOXML workbook, from a scan of every part under the caps."""
    scans = package.scan_sheets(
        info,
        limits.max_rows,
        limits.max_columns,
        limits.max_cell_text,
        limits.max_cell_styles,
        limits.max_percent_cells,
    )
    notes = _notes(kind, info, scans, package.by_name, limits)
    errors = tuple((name, row, col, text) for name, scan in scans for row, col, text in scan.errors)
    percent = tuple((name, row, col) for name, scan in scans for row, col in sorted(scan.percent_cells))
    return Screened(kind, tuple(notes), info.sheets, errors, info.date1904, percent)


def _notes(
    kind: str,
    info: ooxml.WorkbookInfo,
    scans: list[tuple[str, sheetscan.SheetScan]],
    by_name: dict[str, zipfile.ZipInfo],
    limits: Limits,
) -> list[Finding]:
    """The findings about what the cells hold; a damaged or oversized workbook raises."""
    cap = limits.max_findings_per_code
    notes: list[Finding] = []
    if sum(scan.text_chars for _, scan in scans) > limits.max_total_text:
        raise TooLarge("its cells hold far more text than a return can")
    bad_refs = [(name, r, c) for name, scan in scans for r, c in scan.bad_string_refs]
    if bad_refs:
        cells = ", ".join(f"{n}!{a1(r, c)}" for n, r, c in bad_refs[:cap])
        raise _Rejected(_reject("corrupt", f"This file is damaged: {cells} point(s) at text that is not in the file."))
    notes += _capped(
        [
            finding(
                "formula-error",
                f"{name}!{a1(r, c)} shows {text}.",
                "Correct the formula or type the figure, so the cell shows a value.",
                sheet=name,
                cell=a1(r, c),
                value=text,
            )
            for name, scan in scans
            for r, c, text in sorted(scan.errors)
        ],
        cap,
    )
    uncalculated = [
        finding(
            "formulas-not-calculated",
            f"{name}!{a1(r, c)} holds a formula with no calculated value.",
            "Open the file in Excel, let it calculate, save it and send it again.",
            sheet=name,
            cell=a1(r, c),
        )
        for name, scan in scans
        for r, c in sorted(scan.uncalculated)
    ]
    notes += _capped(uncalculated, cap)
    if info.full_calc_on_load and not uncalculated and any(scan.formulas for _, scan in scans):
        notes.append(
            finding(
                "formulas-not-calculated",
                "This file asks to have every formula recalculated when it is opened, so the figures saved in it "
                "may be out of date (it was probably written by a program rather than saved by Excel).",
                "Open the file in Excel, save it and send it again.",
            )
        )
    external = [
        finding(
            "external-link",
            f"{name}!{a1(r, c)} takes its figure from another workbook, which we cannot see.",
            "Type the figure itself into the cell.",
            sheet=name,
            cell=a1(r, c),
        )
        for name, scan in scans
        for r, c in scan.external
    ]
    notes += _capped(external, cap)
    if not external and (info.external_links or any("externallinks/" in k for k in by_name)):
        notes.append(
            finding(
                "external-link",
                "This file has links to other workbooks, which we cannot see.",
                "Check no figure depends on another workbook; type the figures in.",
            )
        )
    if kind in ("xlsm", "xlsb") and any(k.endswith("vbaproject.bin") for k in by_name):
        notes.append(
            finding(
                "macros-ignored",
                "This file contains macros; they were not run and are not kept.",
                "Use the return template (.xlsx), which needs no macros.",
            )
        )
    return notes


def _capped(items: list[Finding], cap: int) -> list[Finding]:
    """The first `cap` findings, then one that says how many more there are."""
    if len(items) <= cap:
        return items
    first = items[0]
    more = finding(first.code, f"... and {len(items) - cap:,} more cells like these.", first.fix)
    return items[:cap] + [more]

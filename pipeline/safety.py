"""The safety screen: look at a file's bytes and zip directory before any parser does.

Parsers are where hostile files hurt (python-calamine aborts the interpreter on
a cell at XFD1048576, openpyxl hangs on shared-string amplification, a zip bomb
inflates to a gigabyte), and their error messages mislead ("not a zip file" for
an encrypted workbook). So the type is sniffed from the bytes, archives are
checked against fixed caps while being inflated in bounded chunks, XML parts
are searched for DTDs, and worksheet XML is scanned cheaply for what parsers
hide (error cells, formulas never calculated). Nothing here parses a cell value.
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import cfb, ooxml
from .findings import Finding, finding, has_errors
from .ooxml import TooLarge, a1

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
    return (
        name.startswith("/")
        or "\\" in name
        or ".." in parts
        or (len(name) > 1 and name[1] == ":")
        or "\x00" in name
    )


def _declared_entries(data: bytes) -> int | None:
    """Entry count from the end-of-central-directory record, read before zipfile parses it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end < 0 or end + 22 > len(data):
        return None
    return struct.unpack_from("<H", data, end + 10)[0]


def _screen_zip(path: Path, data: bytes, limits: Limits) -> Screened:
    damaged = "This file is damaged (perhaps cut short while being copied or attached) and cannot be read."
    declared = _declared_entries(data)
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
            return _PackageScan(archive, data, infos, limits).run()
        except TooLarge as exc:
            return _reject("too-large", f"This file is far larger than a return can be: {exc}.", ASK_TEMPLATE)
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


class _Rejected(Exception):
    def __init__(self, screened: Screened) -> None:
        super().__init__(screened.findings[0].message)
        self.screened = screened


_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 256 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # as zipfile's structFileHeader


def _entry_chunks(archive: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """An entry's bytes in chunks of at most _CHUNK, checked as zipfile checks them.

    The file is in memory already, so stored and deflated entries (every return's) are
    inflated here straight from it: zipfile's reader costs several times the inflating
    itself on the small parts of a return.
    """
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk
        return
    start = info.header_offset
    if not 0 <= start <= len(data) - _LOCAL_HEADER.size:
        raise zipfile.BadZipFile("truncated local header")
    header = _LOCAL_HEADER.unpack_from(data, start)
    name_end = start + _LOCAL_HEADER.size + header[10]
    try:
        name = data[start + _LOCAL_HEADER.size:name_end].decode("utf-8" if header[3] & 0x800 else "cp437")
    except UnicodeDecodeError:
        name = None
    # A name that differs from the directory's would let two readers see two different files.
    if header[0] != b"PK\x03\x04" or name != info.orig_filename:
        raise zipfile.BadZipFile(f"local header of {info.orig_filename!r} does not match the directory")
    if info.flag_bits & 0x60:
        raise NotImplementedError("patched data or strong encryption")
    begin = name_end + header[11]
    compressed = data[begin:begin + info.compress_size]
    # As zipfile does: an entry is cut at its declared size, the last chunk is handed on only
    # once the CRC is checked, and a deflated entry needs its bytes only up to the end of its stream.
    if info.compress_type == zipfile.ZIP_STORED:
        whole = compressed[:info.file_size]
        if len(whole) < min(info.compress_size, info.file_size):
            raise EOFError(f"{info.orig_filename!r} is cut short")
        split = (len(whole) - 1) // _CHUNK * _CHUNK if whole else 0
        crc, last = zlib.crc32(whole), whole[split:]
        yield from (whole[at:at + _CHUNK] for at in range(0, split, _CHUNK))
    else:
        inflater, crc, left = zlib.decompressobj(-zlib.MAX_WBITS), 0, info.file_size
        last = inflater.decompress(compressed, _CHUNK)[:left]  # never more than _CHUNK at once
        while len(last) == _CHUNK < left and not inflater.eof:  # a shorter chunk is the last
            crc, left = zlib.crc32(last, crc), left - _CHUNK
            yield last
            last = inflater.decompress(inflater.unconsumed_tail, _CHUNK)[:left]
        crc = zlib.crc32(last, crc)
        if not inflater.eof and len(last) < left and len(compressed) < info.compress_size:
            raise EOFError(f"{info.orig_filename!r} is cut short")
    if crc != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 for {info.orig_filename!r}")
    if last:
        yield last


@dataclass
class _PackageScan:
    archive: zipfile.ZipFile
    data: bytes
    infos: list[zipfile.ZipInfo]
    limits: Limits
    inflated: int = 0
    by_name: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    streamed: set[str] = field(default_factory=set)  # entries inflated and checked already, by folded name

    def run(self) -> Screened:
        self.by_name = {i.filename.casefold(): i for i in self.infos}
        if "mimetype" in self.by_name and "[content_types].xml" not in self.by_name:
            return self._ods()
        if "[content_types].xml" not in self.by_name or "_rels/.rels" not in self.by_name:
            raise _Rejected(_reject("not-a-spreadsheet", "This file is a zip archive, not a spreadsheet.", ASK_TEMPLATE))
        main = ooxml.main_part(self.read("_rels/.rels"))
        kind = ooxml.kind_of(ooxml.content_type(self.read("[Content_Types].xml"), main))
        if kind in ("docx", "pptx"):
            what = "a Word document" if kind == "docx" else "a PowerPoint presentation"
            raise _Rejected(_reject("not-a-spreadsheet", f"This file is {what}, not a spreadsheet.", ASK_TEMPLATE))
        if kind is None or main.casefold() not in self.by_name:
            raise _Rejected(_reject("not-a-spreadsheet", "This file is not a spreadsheet.", ASK_TEMPLATE))
        rels = ooxml.rels_path(main)
        info = ooxml.WorkbookInfo((), False, False, "", 0)
        if kind != "xlsb":
            info = ooxml.workbook_info(self.read(main), self.read(rels) if rels.casefold() in self.by_name else b"", main)
        return self._contents(kind, info)

    def read(self, name: str) -> bytes:
        """A whole (small, structural) part, inflated under the caps and checked for DTDs."""
        pieces: list[bytes] = []
        self._stream(self.by_name[name.casefold()], pieces.append)
        return b"".join(pieces)

    def _stream(self, info: zipfile.ZipInfo, sink) -> None:
        """Inflate one entry in chunks, counting real bytes: declared sizes can lie."""
        self.streamed.add(info.filename.casefold())
        is_xml = info.filename.lower().endswith(_XML_SUFFIXES) or info.filename == "[Content_Types].xml"
        tail, produced = b"", 0
        for chunk in _entry_chunks(self.archive, self.data, info):
            produced += len(chunk)
            self.inflated += len(chunk)
            if self.inflated > self.limits.max_total_uncompressed or (
                produced > self.limits.ratio_floor
                and produced > self.limits.max_ratio * max(info.compress_size, 1)
            ):
                raise TooLarge("it unpacks to far more data than a return can hold")
            if is_xml:
                window = tail + chunk[:16] if tail else b""
                declared = b"<!" in chunk or b"<!" in window  # one pass, as most parts have no <! at all
                if declared and (b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk or b"<!DOCTYPE" in window
                                 or b"<!ENTITY" in window):
                    raise _Rejected(
                        _reject(
                            "xml-attack",
                            "This file contains XML entity declarations, which a spreadsheet never needs "
                            "and which are used to attack programs that read it.",
                            RESEND,
                        )
                    )
                tail = chunk[-16:]
            sink(chunk)

    def _ods(self) -> Screened:
        mimetype = self.read("mimetype").strip()
        if mimetype != b"application/vnd.oasis.opendocument.spreadsheet":
            what = "an OpenDocument file" if mimetype.startswith(b"application/vnd.oasis") else "a zip archive"
            raise _Rejected(_reject("not-a-spreadsheet", f"This file is {what}, not a spreadsheet.", ASK_TEMPLATE))
        manifest = self.read("META-INF/manifest.xml") if "meta-inf/manifest.xml" in self.by_name else b""
        if b"encryption-data" in manifest:
            return _encrypted(kind="ods")
        for info in self.infos:
            if info.filename.casefold() not in self.streamed:
                self._stream(info, lambda chunk: None)
        return Screened(kind="ods")

    def _contents(self, kind: str, info: ooxml.WorkbookInfo) -> Screened:
        limits = self.limits
        sst = ooxml.SharedStrings(limits.max_cell_text)
        if info.shared_strings and info.shared_strings.casefold() in self.by_name:
            self._stream(self.by_name[info.shared_strings.casefold()], sst.feed)
            sst.feed(b"", final=True)
        scans: dict[str, tuple[str, ooxml.SheetScan]] = {}
        for sheet in info.sheets:
            if sheet.type in ("worksheet", "macrosheet", "dialogsheet") and sheet.part.lower().endswith(".xml"):
                scan = ooxml.SheetScan(limits.max_rows, limits.max_columns, limits.max_cell_text, sst.lengths)
                scans[sheet.part.casefold()] = (sheet.name, scan)
        for entry in self.infos:
            key = entry.filename.casefold()
            target = scans.get(key)
            if key in self.streamed and target is None:
                continue
            self._stream(entry, target[1].feed if target else (lambda chunk: None))
            if target:
                target[1].feed(b"", final=True)
        notes = self._notes(kind, info, [pair for pair in scans.values()])
        errors = tuple(
            (name, row, col, text) for name, scan in scans.values() for row, col, text in scan.errors
        )
        return Screened(kind, tuple(notes), info.sheets, errors, info.date1904)

    def _notes(self, kind: str, info: ooxml.WorkbookInfo, scans: list[tuple[str, ooxml.SheetScan]]) -> list[Finding]:
        cap = self.limits.max_findings_per_code
        notes: list[Finding] = []
        if sum(scan.text_chars for _, scan in scans) > self.limits.max_total_text:
            raise TooLarge("its cells hold far more text than a return can")
        bad_refs = [(name, r, c) for name, scan in scans for r, c in scan.bad_string_refs]
        if bad_refs:
            cells = ", ".join(f"{n}!{a1(r, c)}" for n, r, c in bad_refs[:cap])
            raise _Rejected(
                _reject("corrupt", f"This file is damaged: {cells} point(s) at text that is not in the file.")
            )
        notes += _capped(
            [
                finding("formula-error", f"{name}!{a1(r, c)} shows {text}.",
                        "Correct the formula or type the figure, so the cell shows a value.",
                        sheet=name, cell=a1(r, c), value=text)
                for name, scan in scans for r, c, text in sorted(scan.errors)
            ],
            cap,
        )
        uncalculated = [
            finding("formulas-not-calculated", f"{name}!{a1(r, c)} holds a formula with no calculated value.",
                    "Open the file in Excel, let it calculate, save it and send it again.", sheet=name, cell=a1(r, c))
            for name, scan in scans for r, c in sorted(scan.uncalculated)
        ]
        notes += _capped(uncalculated, cap)
        if info.full_calc_on_load and not uncalculated and any(scan.formulas for _, scan in scans):
            notes.append(finding(
                "formulas-not-calculated",
                "This file asks to have every formula recalculated when it is opened, so the figures saved in it "
                "may be out of date (it was probably written by a program rather than saved by Excel).",
                "Open the file in Excel, save it and send it again."))
        external = [
            finding("external-link", f"{name}!{a1(r, c)} takes its figure from another workbook, which we cannot see.",
                    "Type the figure itself into the cell.", sheet=name, cell=a1(r, c))
            for name, scan in scans for r, c in scan.external
        ]
        notes += _capped(external, cap)
        if not external and (info.external_links or any("externallinks/" in k for k in self.by_name)):
            notes.append(finding("external-link", "This file has links to other workbooks, which we cannot see.",
                                 "Check no figure depends on another workbook; type the figures in."))
        if kind in ("xlsm", "xlsb") and any(k.endswith("vbaproject.bin") for k in self.by_name):
            notes.append(finding("macros-ignored", "This file contains macros; they were not run and are not kept.",
                                 "Use the return template (.xlsx), which needs no macros."))
        return notes


def _capped(items: list[Finding], cap: int) -> list[Finding]:
    """The first `cap` findings, then one that says how many more there are."""
    if len(items) <= cap:
        return items
    first = items[0]
    more = finding(first.code, f"... and {len(items) - cap:,} more cells like these.", first.fix)
    return items[:cap] + [more]

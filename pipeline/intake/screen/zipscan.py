"""Inflating a zip's entries from the bytes in memory, in bounded chunks, under caps.

The machinery under the safety screen. Declared sizes in a zip can lie, so every entry is
inflated chunk by chunk and the real bytes are counted against the caps as they come;
XML parts are searched for DTDs on the way, the styles part is fed to numformats, and
worksheet XML to ooxml's scans.
What the caps are, and what a finding says, is the screen's business (`safety`).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pipeline.intake.screen import ooxml, sheetscan
from pipeline.intake.screen.numformats import PercentCells, StylesPart
from pipeline.intake.screen.ooxml import TooLarge, XmlDeclaration

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 256 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # as zipfile's structFileHeader


def declared_entries(data: bytes) -> int | None:
    """Entry count from the end-of-central-directory record, read before zipfile parses it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end < 0 or end + 22 > len(data):
        return None
    return struct.unpack_from("<H", data, end + 10)[0]


def entry_chunks(archive: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
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
        name = data[start + _LOCAL_HEADER.size : name_end].decode("utf-8" if header[3] & 0x800 else "cp437")
    except UnicodeDecodeError:
        name = None
    # A name that differs from the directory's would let two readers see two different files.
    if header[0] != b"PK\x03\x04" or name != info.orig_filename:
        raise zipfile.BadZipFile(f"local header of {info.orig_filename!r} does not match the directory")
    if info.flag_bits & 0x60:
        raise NotImplementedError("patched data or strong encryption")
    begin = name_end + header[11]
    compressed = data[begin : begin + info.compress_size]
    # As zipfile does: an entry is cut at its declared size, the last chunk is handed on only
    # once the CRC is checked, and a deflated entry needs its bytes only up to the end of its stream.
    if info.compress_type == zipfile.ZIP_STORED:
        whole = compressed[: info.file_size]
        if len(whole) < min(info.compress_size, info.file_size):
            raise EOFError(f"{info.orig_filename!r} is cut short")
        split = (len(whole) - 1) // _CHUNK * _CHUNK if whole else 0
        crc, last = zlib.crc32(whole), whole[split:]
        yield from (whole[at : at + _CHUNK] for at in range(0, split, _CHUNK))
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


def _discard(chunk: bytes) -> None:
    pass


@dataclass
class Package:
    """A zip archive in memory whose entries are inflated on demand, under caps on the bytes
    they really unpack to: in all, and for each entry against its compressed size."""

    archive: zipfile.ZipFile
    data: bytes
    infos: list[zipfile.ZipInfo]
    max_total_uncompressed: int
    max_ratio: int
    ratio_floor: int  # the ratio is checked only for entries that unpack to more than this
    inflated: int = 0
    by_name: dict[str, zipfile.ZipInfo] = field(init=False)  # by folded name
    streamed: set[str] = field(default_factory=set)  # entries inflated and checked already, by folded name

    def __post_init__(self) -> None:
        self.by_name = {i.filename.casefold(): i for i in self.infos}

    def read(self, name: str) -> bytes:
        """A whole (small, structural) part, inflated under the caps and checked for DTDs."""
        pieces: list[bytes] = []
        self.stream(self.by_name[name.casefold()], pieces.append)
        return b"".join(pieces)

    def stream(self, info: zipfile.ZipInfo, sink: Callable[[bytes], None]) -> None:
        """Inflate one entry in chunks, counting real bytes: declared sizes can lie."""
        self.streamed.add(info.filename.casefold())
        is_xml = info.filename.lower().endswith(_XML_SUFFIXES) or info.filename == "[Content_Types].xml"
        tail, produced = b"", 0
        for chunk in entry_chunks(self.archive, self.data, info):
            produced += len(chunk)
            self.inflated += len(chunk)
            if self.inflated > self.max_total_uncompressed or (
                produced > self.ratio_floor and produced > self.max_ratio * max(info.compress_size, 1)
            ):
                raise TooLarge("it unpacks to far more data than a return can hold")
            if is_xml:
                window = tail + chunk[:16] if tail else b""
                declared = b"<!" in chunk or b"<!" in window  # one pass, as most parts have no <! at all
                if declared and (
                    b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk or b"<!DOCTYPE" in window or b"<!ENTITY" in window
                ):
                    raise XmlDeclaration(info.filename)
                tail = chunk[-16:]
            sink(chunk)

    def stream_rest(self) -> None:
        """Inflate every entry not read yet, only to check it against the caps."""
        for info in self.infos:
            if info.filename.casefold() not in self.streamed:
                self.stream(info, _discard)

    def scan_sheets(
        self,
        info: ooxml.WorkbookInfo,
        max_rows: int,
        max_columns: int,
        max_text: int,
        max_styles: int = 0,
        max_percent_cells: int = 0,
    ) -> list[tuple[str, sheetscan.SheetScan]]:
        """Each worksheet's name and what its XML holds: the shared strings and the number
        formats are streamed first, then every worksheet and every other entry not read yet,
        through the scans."""
        sst = sheetscan.SharedStrings(max_text)
        if info.shared_strings and info.shared_strings.casefold() in self.by_name:
            self.stream(self.by_name[info.shared_strings.casefold()], sst.feed)
            sst.feed(b"", final=True)
        styles = StylesPart()
        if max_percent_cells and info.styles and info.styles.casefold() in self.by_name:
            self.stream(self.by_name[info.styles.casefold()], styles.feed)
        percents = PercentCells(styles.percent_styles(max_styles), max_percent_cells)  # one cap for every sheet
        scans: dict[str, tuple[str, sheetscan.SheetScan]] = {}
        for sheet in info.sheets:
            if sheet.type in ("worksheet", "macrosheet", "dialogsheet") and sheet.part.lower().endswith(".xml"):
                scan = sheetscan.SheetScan(max_rows, max_columns, max_text, sst.lengths, percents=percents)
                scans[sheet.part.casefold()] = (sheet.name, scan)
        for entry in self.infos:
            key = entry.filename.casefold()
            target = scans.get(key)
            if key in self.streamed and target is None:
                continue
            self.stream(entry, target[1].feed if target else _discard)
            if target:
                target[1].feed(b"", final=True)
        return list(scans.values())

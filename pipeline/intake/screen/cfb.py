"""Just enough of the OLE2 compound-file format to say what an OLE2 file is.

Old .xls workbooks, password-protected .xlsx files (an encrypted package inside
an OLE2 container) and Word 97 documents all start with the same eight bytes.
Telling them apart needs the stream names, and telling an encrypted .xls from a
plain one needs the first records of its Workbook stream. Parsers misreport all
of these ("not a zip file", "codepage not found"), so we look ourselves, with
every offset bounds-checked and every chain length capped: the file is hostile.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_BIFF_BOF, _BIFF_FILEPASS = 0x0809, 0x002F


class CfbError(ValueError):
    """The compound file is damaged (a chain points outside the file, loops...)."""


@dataclass(frozen=True)
class CompoundFile:
    streams: tuple[str, ...]  # stream and storage names, as stored
    workbook_head: bytes  # first bytes of the Workbook/Book stream, b"" if none

    def has(self, name: str) -> bool:
        wanted = name.casefold()
        return any(s.casefold() == wanted for s in self.streams)


def open_compound(data: bytes, head_bytes: int = 8192) -> CompoundFile:
    """Read the directory of an OLE2 file and the head of its workbook stream."""
    if len(data) < 512 or not data.startswith(MAGIC):
        raise CfbError("too small to be a compound file")
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if sector_shift not in (9, 12) or mini_shift != 6:
        raise CfbError("bad sector size")
    size = 1 << sector_shift
    n_sectors = (len(data) - 512 + size - 1) // size
    (_n_fat, first_dir, _tx, mini_cutoff, first_minifat, n_minifat, first_difat, n_difat) = struct.unpack_from(
        "<IIIIIIII", data, 44
    )

    def sector(index: int) -> bytes:
        if index >= n_sectors:
            raise CfbError(f"sector {index} points past the end of the file")
        start = 512 + index * size
        return data[start : start + size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s != _FREE]
    difat, seen = first_difat, 0
    while difat not in (_FREE, _END_OF_CHAIN) and seen < n_difat + 1:
        entries = struct.unpack(f"<{size // 4}I", sector(difat))
        fat_sectors.extend(s for s in entries[:-1] if s != _FREE)
        difat, seen = entries[-1], seen + 1
    if len(fat_sectors) > n_sectors + 1:
        raise CfbError("allocation table larger than the file")
    fat = []
    for s in fat_sectors:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(s)))

    def chain(start: int, table: list[int], limit: int) -> list[int]:
        out = []
        while start not in (_FREE, _END_OF_CHAIN):
            if start >= len(table) or len(out) >= limit:
                raise CfbError("a sector chain is broken or loops")
            out.append(start)
            start = table[start]
        return out

    directory = b"".join(sector(s) for s in chain(first_dir, fat, n_sectors))
    entries = []
    for off in range(0, len(directory) - 127, 128):
        name_len, kind = struct.unpack_from("<HB", directory, off + 64)
        if kind == 0 or not 2 <= name_len <= 64:
            continue
        name = directory[off : off + name_len - 2].decode("utf-16-le", "replace")
        start, stream_size = struct.unpack_from("<IQ", directory, off + 116)
        entries.append((name, kind, start, stream_size))
    if not entries or entries[0][1] != 5:
        raise CfbError("no root entry")
    names = tuple(e[0] for e in entries[1:])

    head = b""
    book = next((e for e in entries[1:] if e[1] == 2 and e[0].casefold() in ("workbook", "book")), None)
    if book is not None:
        _name, _kind, start, stream_size = book
        want = min(stream_size, head_bytes)
        if stream_size >= mini_cutoff:
            head = b"".join(sector(s) for s in chain(start, fat, n_sectors)[: want // size + 1])
        else:
            # Small streams live in the "mini stream", itself a chain of big sectors.
            minifat = []
            for s in chain(first_minifat, fat, n_sectors)[: n_minifat + 1]:
                minifat.extend(struct.unpack(f"<{size // 4}I", sector(s)))
            container = b"".join(sector(s) for s in chain(entries[0][2], fat, n_sectors))
            pieces = []
            for m in chain(start, minifat, len(minifat))[: want // 64 + 1]:
                if (m + 1) * 64 > len(container):
                    raise CfbError("mini sector points past the mini stream")
                pieces.append(container[m * 64 : (m + 1) * 64])
            head = b"".join(pieces)
        head = head[:want]
    return CompoundFile(streams=names, workbook_head=head)


def biff_encryption(head: bytes) -> str | None:
    """'RC4' or 'XOR' if the workbook globals carry a FILEPASS record, else None.

    FILEPASS comes straight after the first BOF record when a BIFF5/8 workbook is
    encrypted; we read at most a few records so a damaged stream costs nothing.
    """
    off, records = 0, 0
    while off + 4 <= len(head) and records < 64:
        rtype, length = struct.unpack_from("<HH", head, off)
        if records == 0 and rtype != _BIFF_BOF:
            return None
        if rtype == _BIFF_FILEPASS:
            kind = struct.unpack_from("<H", head, off + 4)[0] if length >= 2 else 1
            return "XOR" if kind == 0 else "RC4"
        if rtype == 0x0085:  # BOUNDSHEET: the globals are past the point FILEPASS can be
            return None
        off += 4 + length
        records += 1
    return None

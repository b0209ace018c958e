"""Just enough of the OLE2 compound-file format to say what an OLE2 file is.

Old .xls workbooks, password-protected .xlsx files (an encrypted package inside
an OLE2 container) and Word 97 documents all start with the same eight bytes.
Telling them apart needs the stream names, and telling an encrypted .xls from a
plain one needs the first records of its Workbook stream. Parsers misreport all
of these ("not a zip file", "codepage not found"), so we look first. olefile reads
the container (imported here only when an OLE2 file arrives), strict about damage: the
file is hostile. The few BIFF records that say whether a workbook is encrypted are read
here, with every length bounds-checked.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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
    import olefile

    if len(data) < 512 or not data.startswith(MAGIC):
        raise CfbError("too small to be a compound file")
    try:
        # DEFECT_INCORRECT: a chain that is broken or loops, or an entry listed twice, is an
        # error, not something to read past. A file object: bytes shorter than 1,536 would
        # be taken for a file name.
        with olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT) as ole:
            paths = ole.listdir(streams=True, storages=True)
            book = next(
                (
                    p
                    for p in paths
                    if p[-1].casefold() in ("workbook", "book") and ole.get_type(p) == olefile.STGTY_STREAM
                ),
                None,
            )
            head = b""
            if book is not None:
                with ole.openstream(book) as stream:
                    head = stream.read(head_bytes)
    except (OSError, ValueError, IndexError, KeyError, struct.error, RecursionError) as exc:
        # What olefile raises for a damaged file (OleFileError is an OSError), and what a
        # hostile one could make its arithmetic raise: either way the file cannot be read.
        raise CfbError(str(exc) or type(exc).__name__) from exc
    return CompoundFile(streams=tuple(p[-1] for p in paths), workbook_head=head)


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

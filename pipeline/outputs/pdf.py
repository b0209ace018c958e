"""PDF copies of the Word documents, made by headless LibreOffice.

One soffice call converts every file (start-up is most of its cost), with a
private profile in a temporary folder so it neither collides with a LibreOffice
the officer has open nor leaves state behind. Without soffice on PATH the Word
files still stand and the log says how to get PDFs.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

from pipeline.domain.errors import OutputError
from pipeline.support.atomic import write_with

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 600
MAX_PROCESSES = 4  # LibreOffices side by side; each takes about 300 MB

# Writer's PDF export, accessible: tagged (headings, tables with their header rows, reading order, the
# figures' alt text from the Word documents), marked PDF/UA, bookmarks from the headings, and the
# document's title, not its file name, in the viewer's title bar. The language (en-GB) comes from
# the document. No PDF/UA validator installs here, so the PDFs are tagged and structure-checked
# (tests/outputs/test_accessible_pdf.py), not certified. JSON filter options need LibreOffice 7.4.
EXPORT_OPTIONS = {
    "UseTaggedPDF": True,
    "PDFUACompliance": True,
    "ExportBookmarks": True,
    "DisplayPDFDocumentTitle": True,
}
PDF_FILTER = "pdf:writer_pdf_Export:" + json.dumps(
    {name: {"type": "boolean", "value": str(value).lower()} for name, value in EXPORT_OPTIONS.items()},
    separators=(",", ":"),
)


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(
    documents: Sequence[Path], out_dir: Path, *, soffice: str | None = None, timeout: float = TIMEOUT_SECONDS
) -> list[Path]:
    """Convert `documents` to PDFs in `out_dir` (same names, .pdf); [] with a warning if soffice is missing.

    LibreOffice converts one document at a time, and drawing the highlight reports' Word charts is
    most of its work (about 0.06 s a chart), so the documents are shared out between one LibreOffice
    for each processor (at most four), each with a private profile, the largest documents first."""
    if not documents:
        return []
    soffice = soffice or find_soffice()
    if soffice is None:
        log.warning(
            "LibreOffice (soffice) is not installed, so no PDFs were made; the Word documents are in %s. "
            "Install LibreOffice (e.g. `apt-get install libreoffice-writer`) and run the report again, "
            "or open each .docx in Word and save it as PDF.",
            out_dir,
        )
        return []
    with tempfile.TemporaryDirectory(prefix="pipeline-pdf-") as work:
        converted = Path(work) / "out"
        converted.mkdir()
        groups = _share_out(documents, min(len(documents), os.cpu_count() or 1, MAX_PROCESSES))
        statuses = _run_all(
            [_command(soffice, group, Path(work) / f"profile{n}", converted) for n, group in enumerate(groups)],
            Path(work),
            soffice,
            timeout,
        )
        written = []
        missing = []
        for document in documents:
            made = converted / (Path(document).stem + ".pdf")
            if not made.is_file():
                missing.append(Path(document).name)
                continue
            if Path(document).suffix.lower() == ".docx":
                _restore_alt_text(made, Path(document))
            target = Path(out_dir) / made.name
            written.append(write_with(target, functools.partial(shutil.copyfile, made)))
        if missing:
            code, detail = next(((c, d) for c, d in statuses if c != 0), statuses[0])
            raise OutputError(
                f"LibreOffice did not make PDFs of {', '.join(missing)} (exit status {code}: {detail}).",
                fix="Open the .docx in Word or LibreOffice to check it, or use --no-pdf.",
            )
    log.info("Made %d PDFs with LibreOffice.", len(written))
    return written


def _share_out(documents: Sequence[Path], count: int) -> list[list[Path]]:
    """`documents` in `count` groups of about the same size in bytes, the largest placed first."""
    groups: list[list[Path]] = [[] for _ in range(max(1, count))]
    sizes = [0] * len(groups)
    for document in sorted(documents, key=lambda d: -_size(d)):
        least = sizes.index(min(sizes))
        groups[least].append(Path(document))
        sizes[least] += _size(document)
    return [g for g in groups if g]


def _size(path: Path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _command(soffice: str, documents: list[Path], profile: Path, converted: Path) -> list[str]:
    return [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        PDF_FILTER,
        "--outdir",
        str(converted),
        *(str(Path(d).resolve()) for d in documents),
    ]


def _run_all(commands: list[list[str]], work: Path, soffice: str, timeout: float) -> list[tuple[int, str]]:
    """Run the LibreOffice commands side by side and wait for all; each one's exit status and last line
    of output. Each runs in a session of its own: Ctrl-C at the terminal reaches the pipeline, which
    stops every LibreOffice itself, not LibreOffice first with a misleading "failed to launch"."""
    running: list[tuple[subprocess.Popen, Path]] = []
    try:
        for n, command in enumerate(commands):
            log.debug("Running %s", " ".join(command))
            output = work / f"soffice-{n}.log"
            with output.open("wb") as sink:
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
                )
            running.append((process, output))
        deadline = time.monotonic() + timeout
        for process, _ in running:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise OutputError(
            f"LibreOffice took more than {timeout:.0f} seconds to make the PDFs.",
            fix="Close any LibreOffice windows and run the report again, or use --no-pdf.",
        ) from None
    except OSError as exc:
        raise OutputError(
            f"LibreOffice ({soffice}) could not be started: {exc.strerror or exc}.",
            fix="Check the LibreOffice installation, or use --no-pdf.",
        ) from None
    finally:
        for process, _ in running:
            if process.poll() is None:  # its whole session: soffice starts soffice.bin under it
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return [(process.returncode, _last_line(output)) for process, output in running]


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "no message"
    return lines[-1] if lines else "no message"


def _restore_alt_text(pdf_path: Path, docx: Path) -> None:
    """The charts' alt text LibreOffice drops, put back (pdf_alt); a PDF it cannot read is left as made."""
    import pikepdf

    from pipeline.outputs.pdf_alt import restore_alt_text

    try:
        filled = restore_alt_text(pdf_path, docx)
    except (pikepdf.PdfError, OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        log.warning("%s: its charts' alt text could not be added to the PDF (%s).", pdf_path.name, exc)
        return
    log.debug("%s: alt text added to %d chart(s).", pdf_path.name, filled)

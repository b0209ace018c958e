"""PDF copies of the Word documents, made by headless LibreOffice.

One soffice call converts every file (start-up is most of its cost), with a
private profile in a temporary folder so it neither collides with a LibreOffice
the officer has open nor leaves state behind. Without soffice on PATH the Word
files still stand and the log says how to get PDFs.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from pipeline.domain.errors import OutputError
from pipeline.support.atomic import write_with

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 600

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
    """Convert `documents` to PDFs in `out_dir` (same names, .pdf); [] with a warning if soffice is missing."""
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
        profile = Path(work) / "profile"
        converted = Path(work) / "out"
        converted.mkdir()
        command = [
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
        log.debug("Running %s", " ".join(command))
        try:
            # In a session of its own: Ctrl-C at the terminal reaches the pipeline, which stops
            # LibreOffice itself, not LibreOffice first with a misleading "failed to launch".
            done = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                start_new_session=True,
            )
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
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
            raise OutputError(
                f"LibreOffice did not make PDFs of {', '.join(missing)} (exit status {done.returncode}: {detail[0]}).",
                fix="Open the .docx in Word or LibreOffice to check it, or use --no-pdf.",
            )
    log.info("Made %d PDFs with LibreOffice.", len(written))
    return written


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

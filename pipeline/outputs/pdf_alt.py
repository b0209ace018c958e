"""Alt text LibreOffice leaves out of a PDF, put back from the Word document it was made from.

LibreOffice 7.4 (Debian 12's) reads a drawing's alt text (wp:docPr descr) from a .docx for
pictures only: the SPC charts, which are native Word charts (word_chart), come out of its tagged
PDF as Figure elements with no /Alt, which a screen reader announces as nothing and PDF/UA
forbids. Its Figure elements are in reading order, as the drawings are in the document, so each
empty one gets the description of the drawing at the same place. The two lists must line up:
the same number, and every Figure that does have alt text has the drawing's at its place. If
they do not (a LibreOffice that tags differently), the PDF is left as it is and the log says so.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

log = logging.getLogger(__name__)

_DOC_PR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


def drawing_descriptions(docx: Path) -> list[str]:
    """The alt text of each drawing in the document's body, in document order ("" where none)."""
    from defusedxml import ElementTree

    with zipfile.ZipFile(docx) as archive:
        root = ElementTree.fromstring(archive.read("word/document.xml"))
    return [element.get("descr", "") for element in root.iter(_DOC_PR)]


def _figures(pdf) -> list:
    """The PDF's Figure structure elements, in reading order (depth first through /K)."""
    import pikepdf

    found = []
    root = pdf.Root.get("/StructTreeRoot")
    stack = [root] if root is not None else []
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary):
            continue
        if element.get("/S") == pikepdf.Name.Figure:
            found.append(element)
        kids = element.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(reversed(list(kids)))
        elif isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)
    return found


def restore_alt_text(pdf_path: Path, docx: Path) -> int:
    """Give each Figure in `pdf_path` that has no alt text the description of the drawing at its
    place in `docx`; rewrites the file in place (a working copy: convert_to_pdf's temporary one).
    Returns how many were filled."""
    import pikepdf

    descriptions = drawing_descriptions(docx)
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        figures = _figures(pdf)
        have = [str(f.get("/Alt", "")).strip() for f in figures]
        if not any(not alt for alt in have):
            return 0
        lined_up = len(figures) == len(descriptions) and all(
            not alt or alt == d.strip() for alt, d in zip(have, descriptions)
        )
        if not lined_up:
            log.warning(
                "%s: %d figure(s) have no alt text in the PDF, and its figures do not line up with the Word "
                "document's %d drawings, so it was left as LibreOffice made it. The .docx has the alt text.",
                pdf_path.name,
                sum(not alt for alt in have),
                len(descriptions),
            )
            return 0
        filled = 0
        for figure, alt, description in zip(figures, have, descriptions):
            if not alt and description:
                figure.Alt = pikepdf.String(description)
                filled += 1
        pdf.save(pdf_path)
    return filled

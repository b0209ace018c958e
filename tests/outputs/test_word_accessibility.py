"""Every Word document the demo makes passes what Word's accessibility checker looks for.

Read with python-docx from the files themselves: a title and a language, headings in order with
none skipped, every table with a header row that repeats on each page, every picture with alt
text, no empty paragraphs used for spacing, and no colour without words (a shaded cell always
says in text what its colour means). Each check is shown to catch its defect in a spoiled copy.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

DRAWING_PROPERTIES = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


def text_of(element) -> str:
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def style_of(paragraph) -> str:
    found = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return "" if found is None else found.get(qn("w:val"))


def title_and_language(document) -> list[str]:
    problems = [] if (document.core_properties.title or "").strip() else ["no title"]
    defaults = document.styles.element.find(qn("w:docDefaults"))
    languages = {e.get(qn("w:val")) for e in defaults.iter(qn("w:lang"))}
    return problems + ([] if languages == {"en-GB"} else [f"language {sorted(languages)}"])


def headings_in_order(document) -> list[str]:
    levels = []
    for paragraph in document.element.body.iter(qn("w:p")):
        style = style_of(paragraph)
        if style == "Title":
            levels.append(0)
        elif style.startswith("Heading") and style[7:].isdigit():
            levels.append(int(style[7:]))
    if not levels or levels[0] not in (0, 1):
        return ["does not start with its title or a Heading 1"]
    return [
        f"a Heading {now} straight after a Heading {before}"
        for before, now in pairwise(levels)
        if now > max(before, 1) + 1
    ]


def table_header_rows(document) -> list[str]:
    problems = []
    for n, table in enumerate(document.element.body.iter(qn("w:tbl")), start=1):
        first = table.find(qn("w:tr"))
        if first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None:
            problems.append(f"table {n} has no header row repeating on each page")
        if not all(text_of(cell).strip() for cell in first.iter(qn("w:tc"))):
            problems.append(f"table {n} has a blank header cell")
    return problems


def picture_alt_text(document) -> list[str]:
    return [
        f"picture {d.get('name')} has no alt text"
        for d in document.element.body.iter(DRAWING_PROPERTIES)
        if len((d.get("descr") or "").strip()) <= 20
    ]


def no_spacer_paragraphs(document) -> list[str]:
    # What an empty paragraph may carry instead of text: a picture, a page break, the section's settings.
    # A table cell's paragraph may be empty (Word needs one), so only the body's own are looked at.
    carries = (qn("w:drawing"), qn("w:br"), qn("w:sectPr"))
    return [
        "an empty paragraph used for spacing"
        for p in document.element.body.iterchildren(qn("w:p"))
        if not text_of(p).strip() and not any(p.find(f".//{c}") is not None for c in carries)
    ]


def no_colour_alone(document) -> list[str]:
    problems = []
    for cell in document.element.body.iter(qn("w:tc")):
        shading = cell.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
        if (
            shading is not None
            and shading.get(qn("w:fill")) not in (None, "auto", "FFFFFF")
            and not text_of(cell).strip()
        ):
            problems.append(f"a cell shaded {shading.get(qn('w:fill'))} with no words")
    return problems


CHECKS: list[Callable] = [
    title_and_language,
    headings_in_order,
    table_header_rows,
    picture_alt_text,
    no_spacer_paragraphs,
    no_colour_alone,
]


@pytest.fixture(scope="module")
def documents(demo_outbox: Path) -> list[Path]:
    made = sorted(demo_outbox.glob("20*/*.docx"))
    # Fourteen quarters (three years of history and the demo's two), each with five highlight reports
    # and the board paper in the board's and the public version.
    assert len(made) == 14 * 7, [p.name for p in made]
    return made


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_every_demo_document_passes(documents, check):
    found = {path.name: check(Document(str(path))) for path in documents}
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_the_highlight_reports_have_pictures_to_check(documents):
    assert any(next(Document(str(p)).element.body.iter(DRAWING_PROPERTIES), None) is not None for p in documents)


def _spoil_title(document):
    document.core_properties.title = ""


def _spoil_heading(document):
    heading = next(p for p in document.element.body.iter(qn("w:p")) if style_of(p) == "Heading2")
    heading.find(f"{qn('w:pPr')}/{qn('w:pStyle')}").set(qn("w:val"), "Heading4")


def _spoil_table(document):
    header = next(document.element.body.iter(qn("w:tblHeader")))
    header.getparent().remove(header)


def _spoil_picture(document):
    next(document.element.body.iter(DRAWING_PROPERTIES)).set("descr", "")


def _spoil_spacing(document):
    document.element.body.insert(3, OxmlElement("w:p"))


def _spoil_colour(document):
    cell = next(
        c for c in document.element.body.iter(qn("w:tc")) if c.find(f"{qn('w:tcPr')}/{qn('w:shd')}") is not None
    )
    for text in cell.iter(qn("w:t")):
        text.text = ""


@pytest.mark.parametrize(
    "spoil, check",
    [
        (_spoil_title, title_and_language),
        (_spoil_heading, headings_in_order),
        (_spoil_table, table_header_rows),
        (_spoil_picture, picture_alt_text),
        (_spoil_spacing, no_spacer_paragraphs),
        (_spoil_colour, no_colour_alone),
    ],
    ids=lambda f: f.__name__,
)
def test_each_check_finds_its_defect_in_a_spoiled_copy(demo_outbox, tmp_path, spoil, check):
    original = demo_outbox / "2025-26-Q2" / "highlight-HSG-2025-26-Q2.docx"
    assert check(Document(str(original))) == []
    document = Document(str(original))
    spoil(document)
    document.save(str(tmp_path / "spoiled.docx"))
    assert check(Document(str(tmp_path / "spoiled.docx")))

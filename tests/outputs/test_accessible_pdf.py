"""Every PDF the demo makes is tagged for a screen reader, read back with pikepdf.

What the Public Sector Bodies Accessibility Regulations ask of a published PDF, as far as a
program can check it: a structure tree (headings, tables, reading order), the marked flag, the
language, the title in the title bar, bookmarks from the headings, table header cells, and
alternate text on every figure. No PDF/UA validator installs on Debian, so these are structure
checks, not a certificate.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from pipeline.outputs.pdf import find_soffice

pytestmark = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed (.ci/run installs it)")


def elements(parent: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    """Every structure element under `parent` (the tree's root, or one element), in document order."""
    found: list[pikepdf.Dictionary] = []

    def walk(node) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            found.append(node)
            if "/K" in node:
                walk(node.K)

    walk(parent.K)
    return found


def structure(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return elements(pdf.Root.StructTreeRoot)


def kinds(elements: list[pikepdf.Dictionary]) -> list[str]:
    return [str(e.S) for e in elements]


@pytest.fixture(scope="module")
def pdfs(demo_outbox: Path) -> list[Path]:
    made = sorted(demo_outbox.glob("2025-26-Q*/*.pdf"))
    # Two quarters: five highlight reports and the board paper, in the board's and the public version, each.
    assert len(made) == 14, [p.name for p in made]
    return made


def test_every_pdf_is_tagged_in_british_english_with_its_title_shown(pdfs):
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            root = pdf.Root
            assert root.MarkInfo.Marked is True, path.name
            assert "/StructTreeRoot" in root, path.name
            assert str(root.Lang) == "en-GB", path.name
            assert root.ViewerPreferences.DisplayDocTitle is True, path.name
            assert str(pdf.docinfo["/Title"]).strip(), path.name


def test_every_pdf_has_bookmarks_from_its_headings(pdfs):
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            with pdf.open_outline() as outline:
                titles = [item.title for item in outline.root]
            headings = [e for e in structure(pdf) if str(e.S) in ("/H1", "/H2", "/H3")]
            assert titles, path.name
            assert len(headings) >= len(titles), path.name


def test_tables_mark_their_header_cells(pdfs):
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            tables = [e for e in structure(pdf) if str(e.S) == "/Table"]
            assert tables, path.name
            for table in tables:
                assert "/TH" in kinds(elements(table)), f"{path.name}: a table without header cells"


def test_every_figure_has_alternate_text(pdfs):
    figures = 0
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            for figure in (e for e in structure(pdf) if str(e.S) == "/Figure"):
                figures += 1
                assert len(str(figure.get("/Alt", ""))) > 20, f"{path.name}: a figure without alt text"
    assert figures, "the demo's highlight reports have trend charts"


def test_the_trend_charts_alt_text_names_the_indicator_and_its_figures(demo_outbox):
    with pikepdf.open(demo_outbox / "2025-26-Q2" / "highlight-HSG-2025-26-Q2.pdf") as pdf:
        alts = [str(e.Alt) for e in structure(pdf) if str(e.S) == "/Figure"]
    assert any(a.startswith("Line chart of HSG-03 Households in temporary accommodation") for a in alts), alts


def test_the_spc_charts_keep_their_alt_text_in_the_pdf(demo_outbox):
    # Native Word charts: LibreOffice 7.4 drops their alt text on import, and pdf_alt puts it back.
    with pikepdf.open(demo_outbox / "2025-26-Q2" / "highlight-HSG-2025-26-Q2.pdf") as pdf:
        alts = [str(e.Alt) for e in structure(pdf) if str(e.S) == "/Figure"]
    assert any(a.startswith("Statistical process control chart of HSG-03 ") for a in alts), alts


def test_alt_text_is_put_back_only_where_the_figures_line_up_with_the_drawings(demo_outbox, tmp_path, caplog):
    from pipeline.outputs.pdf_alt import restore_alt_text

    quarter = demo_outbox / "2025-26-Q2"
    spoiled = tmp_path / "highlight-HSG.pdf"
    with pikepdf.open(quarter / "highlight-HSG-2025-26-Q2.pdf") as pdf:
        figure = next(e for e in structure(pdf) if str(e.S) == "/Figure" and str(e.Alt).startswith("Statistical"))
        said = str(figure.Alt)
        del figure.Alt
        pdf.save(spoiled)

    def alts() -> list[str]:
        with pikepdf.open(spoiled) as pdf:
            return [str(e.get("/Alt", "")) for e in structure(pdf) if str(e.S) == "/Figure"]

    before = alts()
    assert "" in before
    # Another partnership's document: its drawings do not line up, so nothing is guessed.
    assert restore_alt_text(spoiled, quarter / "highlight-CSP-2025-26-Q2.docx") == 0
    assert alts() == before and "do not line up" in caplog.text
    assert restore_alt_text(spoiled, quarter / "highlight-HSG-2025-26-Q2.docx") == 1
    assert alts() == [said if a == "" else a for a in before]

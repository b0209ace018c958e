"""A partnership's name as `pipeline init --name` keeps it (quotes, markup, a backslash, a formula-like
start) comes out in the documents exactly as typed: escaped once, never read as markup."""

from __future__ import annotations

import dataclasses

from test_documents import all_text, build_report, make_config, open_docx

from pipeline.outputs.documents import write_documents

NAME = "Eastvale \"East\" <b>&amp;</b> \\n [x] ''' =1+1 Partnership"


def test_a_name_with_quotes_and_markup_is_shown_as_typed_in_the_board_paper_and_the_public_page(tmp_path):
    report = dataclasses.replace(build_report(), organisation=NAME, board=f"{NAME} Board")
    written = write_documents(report, make_config(tmp_path), tmp_path / "out", pdf=False)
    [paper] = [p for p in written if p.name.startswith("board-paper")]
    doc = open_docx(paper)
    assert NAME in all_text(doc)
    assert doc.core_properties.title.startswith(f"{NAME} Board: ")
    [page] = [p for p in written if p.suffix == ".html"]
    html = page.read_text(encoding="utf-8")
    assert "Eastvale &#34;East&#34; &lt;b&gt;&amp;amp;&lt;/b&gt; \\n [x] &#39;&#39;&#39; =1+1 Partnership" in html
    assert "<b>&amp;</b>" not in html

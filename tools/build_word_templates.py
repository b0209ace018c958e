"""Build the default Word templates in templates/ with python-docx.

    .venv/bin/python tools/build_word_templates.py [FOLDER]

Writes highlight-report.docx and board-paper.docx (default folder: templates/).
Every Jinja tag is added as one whole run, so Word never splits a tag across
runs; officers can then restyle the files in Word. The output is byte-for-byte
reproducible (fixed core properties and zip timestamps), so a rebuild that
changes nothing shows no diff. The fields the tags use are built in pipeline/docx_context.py.
"""

from __future__ import annotations

import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipeline.rating.rag import Rag

ROOT = Path(__file__).resolve().parent.parent
FIXED_TIME = datetime(2025, 1, 1, tzinfo=UTC)
HEADER_FILL = "DDE3EA"
FONT = "Arial"


def new_document(*, landscape: bool, title: str) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    _language(doc)
    for name, size in (("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 11), ("Title", 20)):
        style = styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
        _ascii_font(style, FONT)
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
    table_text = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.font.size = Pt(9)
    table_text.paragraph_format.space_before = Pt(1)
    table_text.paragraph_format.space_after = Pt(2)
    # The dashboard's tables: one page for a board's every indicator.
    table_small = styles.add_style("Table Small", WD_STYLE_TYPE.PARAGRAPH)
    table_small.base_style = table_text
    table_small.font.size = Pt(8)
    table_small.paragraph_format.space_before = Pt(0)
    table_small.paragraph_format.space_after = Pt(0)
    small = styles.add_style("Source Note", WD_STYLE_TYPE.PARAGRAPH)
    small.base_style = normal
    small.font.size, small.font.italic = Pt(9), True
    core = doc.core_properties
    core.title, core.language, core.author = title, "en-GB", "pipeline"
    core.created = core.modified = FIXED_TIME
    core.last_modified_by, core.revision, core.comments = "pipeline", 1, ""
    return doc


def _ascii_font(style, name: str) -> None:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)


def _language(doc: Document) -> None:
    """en-GB on the document defaults, so spell-check and screen readers use British English."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")
    lang.set(qn("w:bidi"), "ar-SA")


def para(container, *parts: str | tuple[str, str], style: str | None = None):
    """A paragraph of runs; a ("b", text) part is bold. Each part, tags included, is one run."""
    p = container.add_paragraph(style=style)
    for part in parts:
        bold, text = (True, part[1]) if isinstance(part, tuple) else (False, part)
        run = p.add_run(text)
        run.bold = bold or None
    return p


def lead_in(container, *parts: str | tuple[str, str], style: str | None = None):
    """A paragraph that introduces what follows (a table, a list): kept on its page, so a
    heading and its first sentence are never left alone at the foot of a page."""
    p = para(container, *parts, style=style)
    p.paragraph_format.keep_with_next = True
    return p


def override_notes(doc, loop: str = "o in overrides") -> None:
    """One paragraph per officer rating under a table of indicators: what it replaced, who set it, why.

    Under the table, full width, rather than in the rating cell, which has room for a word or two.
    """
    para(doc, f"{{%p for {loop} %}}")
    note = para(doc, ("b", "Officer rating, {{ o.code }} {{ o.title }}: "), "{{ o.text }}")
    note.paragraph_format.space_before = Pt(6)
    para(doc, "{%p endfor %}")


def heading(doc, text: str, level: int, *, page_break: bool = False):
    p = para(doc, text, style=f"Heading {level}")
    p.paragraph_format.keep_with_next = True
    if page_break:
        p.paragraph_format.page_break_before = True
    return p


def shade(cell, colour: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour)
    tcpr.append(shd)


def table(
    doc,
    caption: str,
    columns: list[tuple[str, float]],
    loop: str,
    cells: list,
    *,
    header_fills: dict[int, str] | None = None,
    after: list | None = None,
    style: str = "Table Text",
):
    """A table: a header row repeated on every page, then one row per item of `loop`.

    A cell is a string (one paragraph), a list of strings/part-tuples (several
    paragraphs), or ("rag", fill_expr, text) for a cell shaded with docxtpl's cellbg.
    `after` adds one static row (a totals row) below the loop. `style` is the cells' paragraph style.
    """
    rows = 4 + (1 if after else 0)
    t = doc.add_table(rows=rows, cols=len(columns))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    tblpr = t._tbl.tblPr
    for tag, value in (("w:tblCaption", caption), ("w:tblDescription", caption)):
        el = OxmlElement(tag)
        el.set(qn("w:val"), value)
        tblpr.append(el)
    margins = OxmlElement("w:tblCellMar")  # narrower than Word's default 0.19 cm: more room for text
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "68")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tblpr.append(margins)
    _schema_order(tblpr, _TBLPR_ORDER)
    grid = t._tbl.tblGrid
    for col, (_, width) in zip(grid.findall(qn("w:gridCol")), columns):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in t.rows:
        for cell, (_, width) in zip(row.cells, columns):
            cell.width = Cm(width)
    header = t.rows[0]
    trpr = header._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        el = OxmlElement(tag)
        trpr.append(el)
    for i, (cell, (name, _)) in enumerate(zip(header.cells, columns)):
        _fill_cell(cell, [("b", name)], style)
        cell.paragraphs[0].paragraph_format.keep_with_next = True  # never a header alone at a page foot
        shade(cell, (header_fills or {}).get(i, HEADER_FILL))
    _fill_cell(t.rows[1].cells[0], [f"{{%tr for {loop} %}}"])
    for cell, spec in zip(t.rows[2].cells, cells):
        _fill_cell(cell, spec, style)
    t.rows[2]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    _fill_cell(t.rows[3].cells[0], ["{%tr endfor %}"])
    if after:
        for cell, spec in zip(t.rows[4].cells, after):
            _fill_cell(cell, spec, style)
    return t


_TBLPR_ORDER = (
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
)


def _schema_order(element, order: tuple[str, ...]) -> None:
    """Word rejects properties out of schema order; sort the children into it."""
    rank = {qn(f"w:{name}"): n for n, name in enumerate(order)}
    children = sorted(element, key=lambda child: rank.get(child.tag, len(rank)))
    for child in children:
        element.remove(child)
        element.append(child)


def _fill_cell(cell, spec, style: str = "Table Text") -> None:
    first = cell.paragraphs[0]
    first.style = style
    if isinstance(spec, tuple) and spec[0] == "rag":
        # The cellbg tag and the text are separate runs of one paragraph.
        first.add_run(f"{{% cellbg {spec[1]} %}}")
        first.add_run(spec[2])
        return
    items = [spec] if isinstance(spec, str) else list(spec)
    if items and isinstance(items[0], tuple) and items[0][0] == "b" and len(items) == 1:
        run = first.add_run(items[0][1])
        run.bold = True
        return
    for n, item in enumerate(items):
        p = first if n == 0 else cell.add_paragraph(style=style)
        for part in item if isinstance(item, list) else [item]:
            bold, text = (True, part[1]) if isinstance(part, tuple) else (False, part)
            run = p.add_run(text)
            run.bold = bold or None


def footer(doc, text: str) -> None:
    """The document's title, then "Page N of M" on a line of its own, so a long title never splits it."""
    first = doc.sections[0].footer.paragraphs[0]
    first.style = doc.styles["Footer"]
    first.add_run(text)
    p = doc.sections[0].footer.add_paragraph(style=doc.styles["Footer"])
    p.add_run("Page ")
    _field(p, "PAGE")
    p.add_run(" of ")
    _field(p, "NUMPAGES")


def _field(p, instruction: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    run.append(t)
    field.append(run)
    p._p.append(field)


# The year-end forecast in the rating cell of an exception, under the rating ("" without a forecast).
FORECAST_BESIDE_RATING = "{{ e.rag }}{% if e.forecast %}. {{ e.forecast }}{% endif %}"


def outlook_section(doc) -> None:
    """The highlight report's forecasts, SPC and comparators: a row an indicator, then the SPC charts."""
    para(doc, "{%p if outlook %}")
    heading(doc, "Forecasts, variation and comparators", 2)
    lead_in(
        doc,
        "Will each indicator meet its target by March (the forecast and its rating), is its latest change "
        "real or noise (statistical process control), and how does it compare with other places (95% "
        "confidence intervals)? The README of the pipeline gives each method.",
    )
    table(
        doc,
        "Forecasts, variation and comparators: each indicator's rating now and forecast for March",
        [
            ("Indicator", 5.0),
            ("Rating now", 2.4),
            ("Forecast for March", 4.6),
            ("Forecast rating", 2.4),
            ("Variation", 3.4),
            ("Assurance", 3.0),
            ("Compared with others", 4.8),
        ],
        "o in outlook",
        [
            "{{ o.code }} {{ o.title }}",
            ("rag", "o.fill", "{{ o.rag }}"),
            "{{ o.forecast }}",
            ("rag", "o.forecast_fill", "{{ o.forecast_rag }}"),
            "{{ o.variation }}",
            "{{ o.assurance }}",
            "{{ o.compared }}",
        ],
    )
    para(doc, "{%p for c in spc_charts %}")
    chart = para(doc, "{{ c.chart }}")
    chart.paragraph_format.keep_with_next = True
    para(doc, "{{ c.caption }}", style="Caption")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")


def attention_section(doc) -> None:
    """The board paper's "Needs the board's attention", at the end of the performance summary."""
    heading(doc, "Needs the board's attention", 2)
    lead_in(doc, "{% if year_end %}4.3{% else %}4.2{% endif %} {{ attention_sentence }}")  # after Q4's outturn
    para(doc, "{%p if attention %}")
    table(
        doc,
        "Needs the board's attention: indicators Red now and forecast Red, with concerning special cause "
        "variation, or significantly worse than the first comparator",
        [("Partnership", 2.2), ("Indicator", 5.0), ("Rating now", 2.2), ("Forecast for March", 3.6), ("Why", 4.0)],
        "a in attention",
        [
            "{{ a.partnership }}",
            "{{ a.code }} {{ a.title }}",
            ("rag", "a.fill", "{{ a.rag }}"),
            "{{ a.forecast }}",
            "{{ a.why }}",
        ],
    )
    para(doc, "{%p endif %}")


def build_highlight(path: Path) -> None:
    doc = new_document(landscape=True, title="Highlight report")
    heading(doc, "{{ partnership }}: highlight report", 1)
    para(doc, ("b", "Period: "), "{{ period }} ({{ period_label }})")
    para(doc, ("b", "Organisation: "), "{{ organisation }}")
    para(doc, ("b", "Chair: "), "{{ chair }}", ("b", "    Lead officer: "), "{{ lead_officer }}")
    para(doc, ("b", "Sign-off status: "), "{{ status }}")
    para(doc, "{{ status_detail }}")
    para(doc, "{%p if overall_status %}")
    para(doc, ("b", "Overall status, in the partnership's view: "), "{{ overall_status }}")
    para(doc, "{%p endif %}")
    para(doc, "{{ source_line }}", style="Source Note")

    heading(doc, "Summary", 2)
    lead_in(doc, "{{ summary_sentence }}")
    table(
        doc,
        "Number of indicators in each rating",
        [("Rating", 4.0), ("Indicators", 2.5)],
        "s in summary",
        [("rag", "s.fill", "{{ s.rag }}"), "{{ s.count }}"],
    )
    heading(doc, "Overall commentary", 2)
    para(doc, "{{ overall_commentary }}")
    # The Cover's optional highlight answers (Basingstoke's format), each only when given.
    para(doc, "{%p for h in highlight_sections %}")
    heading(doc, "{{ h.heading }}", 2)
    para(doc, "{{ h.text }}")
    para(doc, "{%p endfor %}")

    heading(doc, "Indicators", 2)
    para(doc, "{%p if indicators %}")
    table(
        doc,
        "Every indicator due this quarter: target, actual, rating and direction of travel",
        [
            ("Code", 2.0),
            ("Indicator", 8.2),
            ("Target", 2.5),
            ("Actual", 2.5),
            ("Rating", 3.5),
            ("Since last report", 3.5),
            ("Since last year", 3.5),
        ],
        "i in indicators",
        [
            "{{ i.code }}",
            # The final target and the way travelled from the baseline, under the title, when the register sets one.
            ["{{ i.title }}", "{%p if i.towards %}", "{{ i.towards }}", "{%p endif %}"],
            "{{ i.target }}",
            "{{ i.actual }}",
            ("rag", "i.fill", "{{ i.rag }}"),
            "{{ i.dot }}",
            "{{ i.dot_year }}",
        ],
    )
    override_notes(doc, "o in other_overrides")  # an exception's is under the exceptions, a few lines on
    para(doc, "{%p else %}")
    para(doc, "No indicators were due this quarter.")
    para(doc, "{%p endif %}")

    heading(doc, "Exceptions", 2)
    para(doc, "{%p if exceptions %}")
    lead_in(doc, "Indicators rated Red or Amber, with the partnership's commentary and remedial action.")
    table(
        doc,
        "Exceptions: indicators rated Red or Amber, with commentary and remedial action",
        [
            ("Indicator", 5.7),
            ("Target", 2.3),
            ("Actual", 2.3),
            ("Rating", 3.0),
            ("Commentary", 6.2),
            ("Remedial action", 6.2),
        ],
        "e in exceptions",
        [
            ["{{ e.code }} {{ e.title }}", "Target lead: {{ e.lead }}"],
            "{{ e.target }}",
            "{{ e.actual }}",
            ("rag", "e.fill", FORECAST_BESIDE_RATING),
            "{{ e.commentary }}",
            "{{ e.remedial }}",
        ],
    )
    override_notes(doc, "o in exception_overrides")
    heading(doc, "Trends of the exception indicators", 2)
    para(doc, "{%p for e in exceptions %}")
    chart = para(doc, "{{ e.chart }}")
    chart.paragraph_format.keep_with_next = True
    para(doc, "{{ e.chart_caption }}", style="Caption")
    para(doc, "{%p endfor %}")
    para(doc, "{%p else %}")
    para(doc, "{{ no_exceptions }}")
    para(doc, "{%p endif %}")

    outlook_section(doc)

    para(doc, "{%p if gaps %}")
    heading(doc, "Narrowing the gap", 2)
    lead_in(
        doc,
        "Indicators also reported for named areas: the gap between each area and the area it is "
        "compared with, and whether the gap has narrowed since the last report.",
    )
    table(
        doc,
        "Narrowing the gap: each area against the area it is compared with, now and at the last report",
        [
            ("Indicator", 5.0),
            ("Area", 3.6),
            ("Figure", 2.2),
            ("Compared with", 3.4),
            ("Figure", 2.2),
            ("Gap now", 2.6),
            ("Gap at last report", 3.4),
            ("Trend", 3.2),
        ],
        "g in gaps",
        [
            "{{ g.code }} {{ g.title }}",
            "{{ g.area }}",
            "{{ g.area_value }}",
            "{{ g.compared_with }}",
            "{{ g.compared_value }}",
            "{{ g.now }}",
            "{{ g.before }}",
            ("rag", "g.fill", "{{ g.trend }}"),
        ],
    )
    para(doc, "{%p endif %}")

    heading(doc, "Delivery plan actions", 2)
    para(doc, "{%p if actions %}")
    table(
        doc,
        "Delivery plan actions: status and progress",
        [
            ("Ref", 1.6),
            ("Action", 6.4),
            ("Owner", 3.0),
            ("Due", 2.3),
            ("Status", 2.4),
            ("Progress", 4.5),
            ("Commentary", 5.5),
        ],
        "a in actions",
        [
            "{{ a.ref }}",
            "{{ a.action }}",
            "{{ a.owner }}",
            "{{ a.due }}",
            ("rag", "a.fill", "{{ a.rating }}"),
            "{{ a.progress }}",
            "{{ a.commentary }}",
        ],
    )
    para(doc, "{%p else %}")
    para(doc, "No action updates: no return has been accepted for this period.")
    para(doc, "{%p endif %}")

    heading(doc, "Top risks", 2)
    para(doc, "{%p if risks %}")
    lead_in(doc, "The highest-scoring risks ({{ risks|length }} of {{ risk_count }}).")
    table(
        doc,
        "Top risks by score",
        [
            ("Ref", 1.6),
            ("Risk", 6.4),
            ("Owner", 3.0),
            ("Score (L x I)", 3.0),
            ("Rating", 2.4),
            ("Movement", 2.6),
            ("Mitigation", 6.7),
        ],
        "r in risks",
        [
            "{{ r.ref }}",
            "{{ r.risk }}",
            "{{ r.owner }}",
            "{{ r.score }}",
            ("rag", "r.fill", "{{ r.band }}"),
            "{{ r.movement }}",
            "{{ r.mitigation }}",
        ],
    )
    heading(doc, "Risk heat map", 2)
    lead_in(
        doc,
        "Every risk placed by likelihood (5 almost certain, at the top, to 1 rare) and impact "
        "(1 negligible to 5 severe). Each cell names its rating and the risks scored there.",
    )
    table(
        doc,
        "Risk heat map: likelihood by impact, with the references of the risks in each cell",
        [("Likelihood \\ impact", 4.0)]
        + [
            (f"{n} {w}", 3.6)
            for n, w in ((1, "Negligible"), (2, "Minor"), (3, "Moderate"), (4, "Major"), (5, "Severe"))
        ],
        "row in heat_map",
        [[("b", "{{ row.label }}")]]
        + [("rag", f"row.cells[{n}].fill", f"{{{{ row.cells[{n}].text }}}}") for n in range(5)],
    )
    para(doc, "{%p else %}")
    para(doc, "No risk updates: no return has been accepted for this period.")
    para(doc, "{%p endif %}")

    heading(doc, "Sign-off", 2)
    para(doc, ("b", "Status: "), "{{ status }}")
    para(doc, "{{ status_detail }}")
    para(doc, "{%p if sign_off_note %}")
    para(doc, "{{ sign_off_note }}")
    para(doc, "{%p endif %}")
    footer(doc, "{{ organisation }} · {{ partnership }} · Highlight report {{ period }}")
    save(doc, path)


RATING_COLUMNS = ("Red", "Amber/ Red", "Amber", "Amber/ Green", "Green", "No data", "Other")
RATING_KEYS = ("red", "amber_red", "amber", "amber_green", "green", "no_data", "other")
_RATING_FILLS = tuple(
    r.colour.lstrip("#").upper() for r in (Rag.RED, Rag.AMBER_RED, Rag.AMBER, Rag.AMBER_GREEN, Rag.GREEN)
)


def dashboard(doc) -> None:
    """The board paper's first page: every partnership's ratings now and at the previous report, then
    every indicator's rating with the one before it, so a member sees on one page what moved."""
    heading(doc, "PERFORMANCE AT A GLANCE: {{ period }}", 1)
    table(
        doc,
        "Number of indicators in each rating by partnership, with the previous report's in brackets",
        [("Partnership", 3.9)] + [(name, 1.6) for name in RATING_COLUMNS] + [("Total", 1.9)],
        "row in dashboard_rows",
        # The partnership's own word on how it is doing, when its return's Cover gave one.
        [["{{ row.name }}", "{%p if row.status %}", "Overall: {{ row.status }}", "{%p endif %}"]]
        + [f"{{{{ row.{k} }}}}" for k in RATING_KEYS]
        + ["{{ row.total }}"],
        header_fills={i + 1: rag_fill for i, rag_fill in enumerate(_RATING_FILLS)},
        after=[[("b", "{{ dashboard_total.name }}")]]
        + [[("b", f"{{{{ dashboard_total.{k} }}}}")] for k in RATING_KEYS]
        + [[("b", "{{ dashboard_total.total }}")]],
        style="Table Small",
    )
    lead_in(doc, "{{ dashboard_note }}", style="Source Note")
    table(
        doc,
        "Every indicator's rating at its previous report and now, and its year-end forecast's rating",
        [("Partnership", 2.2), ("Code", 1.5), ("Indicator", 7.3), ("Previous → now", 3.6), ("Forecast for March", 2.4)],
        "d in dashboard_indicators",
        [
            "{{ d.partnership }}",
            "{{ d.code }}",
            "{{ d.title }}",
            ("rag", "d.fill", "{{ d.change }}"),
            ("rag", "d.forecast_fill", "{{ d.forecast }}"),
        ],
        style="Table Small",
    )


def year_end_outturn(doc) -> None:
    """At Q4 the board paper is the annual outturn report: each indicator's year against its annual target."""
    para(doc, "{%p if year_end %}")
    lead_in(doc, "4.2 {{ outturn_sentence }}")
    table(
        doc,
        "Year-end outturn: each indicator's year against its annual target, last year and its final target",
        [
            ("Indicator", 4.4),
            ("Annual target", 2.0),
            ("Outturn", 2.2),
            ("Achieved", 2.0),
            ("Last year", 2.4),
            ("Progress to the final target", 4.0),
        ],
        "o in outturn_rows",
        [
            ["{{ o.code }} {{ o.title }}"],
            "{{ o.annual_target }}",
            ["{{ o.outturn }}", "{{ o.measure }}"],
            ("rag", "o.fill", "{{ o.outcome }}"),
            "{{ o.last_year }}",
            "{{ o.towards }}",
        ],
    )
    para(
        doc,
        "Outturn: a cumulative indicator's year's total (its Q4 running total), any other's Q4 figure. Achieved "
        "means the outturn met the annual target in the indicator's direction (higher or lower is better).",
        style="Source Note",
    )
    para(doc, "{%p endif %}")


def build_board_paper(path: Path) -> None:
    doc = new_document(landscape=False, title="Board paper")
    para(doc, "{{ organisation }}", style="Title")
    for label, field in (
        ("REPORT TO:", "board"),
        ("DATE OF MEETING:", "meeting_date"),
        ("REPORTING OFFICER:", "officer"),
        ("SUBJECT:", "subject"),
        ("WARD(S):", "wards"),
    ):
        p = para(doc, ("b", label), "\t", f"{{{{ {field} }}}}")
        p.paragraph_format.tab_stops.add_tab_stop(Cm(5))
        p.paragraph_format.left_indent = Cm(5)
        p.paragraph_format.first_line_indent = Cm(-5)
        p.paragraph_format.space_after = Pt(3)

    dashboard(doc)
    heading(doc, "1.0 PURPOSE OF THE REPORT", 1, page_break=True)
    para(
        doc,
        "1.1 To report performance for {{ period }} ({{ period_label }}) against the indicators, delivery "
        "plans and risks of the {{ partnership_count }} thematic partnerships, and the state of their "
        "quarterly returns.",
    )
    heading(doc, "2.0 RECOMMENDATION(S)", 1)
    lead_in(doc, "2.1 That the {{ board }}:")
    para(doc, "{%p for r in recommendations %}")
    para(doc, "{{ r }}", style="List Number")
    para(doc, "{%p endfor %}")
    heading(doc, "3.0 BACKGROUND", 1)
    para(
        doc,
        "3.1 Each thematic partnership owns its targets and reports every quarter on its indicators, its "
        "delivery plan actions and its risks. Returns for {{ period }} were due on {{ deadline }}.",
    )
    para(
        doc,
        "3.2 Each indicator is rated against pre-defined criteria in the indicator register: Green (on "
        "target), Amber (within tolerance, or improving), Red (off target); Amber/Green and Amber/Red where "
        "the four-level scheme applies. Every Red or Amber rating needs commentary on the cause and the "
        "remedial action intended. Ratings are given in words as well as colour.",
    )
    para(doc, "3.3 {{ source_line }}")

    heading(doc, "4.0 PERFORMANCE SUMMARY", 1)
    lead_in(doc, "4.1 {{ summary_sentence }}")
    fills = {
        1: Rag.RED.colour,
        2: Rag.AMBER_RED.colour,
        3: Rag.AMBER.colour,
        4: Rag.AMBER_GREEN.colour,
        5: Rag.GREEN.colour,
    }
    keys = ["red", "amber_red", "amber", "amber_green", "green", "no_data", "other", "total"]
    table(
        doc,
        "Number of indicators in each rating, by partnership",
        [("Partnership", 4.2)]
        + [
            (name, 1.6) for name in ("Red", "Amber/ Red", "Amber", "Amber/ Green", "Green", "No data", "Other", "Total")
        ],
        "row in summary_rows",
        ["{{ row.name }}"] + [f"{{{{ row.{k} }}}}" for k in keys],
        header_fills={k: v.lstrip("#").upper() for k, v in fills.items()},
        after=[[("b", "{{ summary_total.name }}")]] + [[("b", f"{{{{ summary_total.{k} }}}}")] for k in keys],
    )
    para(doc, "Other: indicators with no target, or not rated because they have no polarity.", style="Source Note")
    year_end_outturn(doc)
    attention_section(doc)

    heading(doc, "5.0 EXCEPTIONS", 1)
    lead_in(doc, "5.1 {{ exceptions_sentence }}")
    para(doc, "{%p for g in exception_groups %}")
    heading(doc, "{{ g.name }}", 2)
    para(doc, "{%p if g.overall_status %}")
    lead_in(doc, ("b", "Overall status, in the partnership's view: "), "{{ g.overall_status }}")
    para(doc, "{%p endif %}")
    table(
        doc,
        "Exceptions: indicators rated Red or Amber, with commentary and remedial action",
        [
            ("Indicator", 3.6),
            ("Target", 1.7),
            ("Actual", 1.7),
            ("Rating", 2.4),
            ("Direction of travel", 2.4),
            ("Commentary and remedial action", 5.2),
        ],
        "e in g.rows",
        [
            ["{{ e.code }} {{ e.title }}", "Target lead: {{ e.lead }}"],
            "{{ e.target }}",
            "{{ e.actual }}",
            ("rag", "e.fill", FORECAST_BESIDE_RATING),
            ["{{ e.dot }}", "Against the same period last year: {{ e.dot_year }}"],
            ["{{ e.commentary }}", [("b", "Remedial action: "), "{{ e.remedial }}"]],
        ],
    )
    override_notes(doc, "o in g.overrides")
    para(doc, "{%p endfor %}")

    heading(doc, "6.0 NARROWING THE GAP", 1)
    para(doc, "{%p if gaps %}")
    lead_in(doc, "6.1 {{ gap_sentence }}")
    table(
        doc,
        "Narrowing the gap: each area's gap with the rest now and at the last report, and whether it narrowed",
        [
            ("Indicator", 3.6),
            ("Areas compared", 4.0),
            ("Gap now", 2.8),
            ("Gap at the last report", 3.0),
            ("Narrowed or widened", 3.6),
        ],
        "x in gaps",
        [
            "{{ x.code }} {{ x.title }}",
            "{{ x.areas }}",
            "{{ x.now }}",
            "{{ x.before }}",
            ("rag", "x.fill", "{{ x.change }}"),
        ],
    )
    para(doc, "{%p else %}")
    para(doc, "6.1 {{ gap_sentence }}")
    para(doc, "{%p endif %}")

    heading(doc, "7.0 DELIVERY PLAN", 1)
    para(doc, "{%p if off_track %}")
    lead_in(doc, "7.1 {{ actions_sentence }}")
    table(
        doc,
        "Delivery plan actions off track",
        [
            ("Partnership", 2.6),
            ("Action", 4.0),
            ("Owner", 2.2),
            ("Due", 2.3),
            ("Status", 1.9),
            ("Progress and commentary", 4.0),
        ],
        "a in off_track",
        [
            "{{ a.partnership }}",
            "{{ a.ref }} {{ a.action }}",
            "{{ a.owner }}",
            "{{ a.due }}",
            ("rag", "a.fill", "{{ a.rating }}"),
            ["{{ a.progress }}", "{{ a.commentary }}"],
        ],
    )
    para(doc, "{%p else %}")
    para(doc, "7.1 {{ actions_sentence }}")
    para(doc, "{%p endif %}")

    heading(doc, "8.0 RISKS", 1)
    para(doc, "{%p if high_risks %}")
    lead_in(doc, "8.1 {{ risks_sentence }}")
    table(
        doc,
        "High risks",
        [
            ("Partnership", 2.6),
            ("Risk", 4.2),
            ("Score (L x I)", 2.4),
            ("Rating", 1.9),
            ("Movement", 2.2),
            ("Mitigation", 3.7),
        ],
        "r in high_risks",
        [
            "{{ r.partnership }}",
            ["{{ r.ref }} {{ r.risk }}", "Owner: {{ r.owner }}"],
            "{{ r.score }}",
            ("rag", "r.fill", "{{ r.band }}"),
            "{{ r.movement }}",
            "{{ r.mitigation }}",
        ],
    )
    para(doc, "{%p else %}")
    para(doc, "8.1 {{ risks_sentence }}")
    para(doc, "{%p endif %}")

    heading(doc, "9.0 RETURNS", 1)
    lead_in(doc, "9.1 {{ returns_sentence }}")
    table(
        doc,
        "Quarterly returns: received, late, missing and provisional",
        [
            ("Partnership", 4.5),
            ("Status", 4.0),
            ("Received", 3.0),
            ("Completed by", 2.8),
            ("Indicators with a figure", 2.7),
        ],
        "x in returns",
        ["{{ x.partnership }}", "{{ x.status }}", "{{ x.received }}", "{{ x.completed_by }}", "{{ x.completeness }}"],
    )
    para(doc, "{%p for r in rejections %}")
    para(doc, "9.{{ loop.index + 1 }} {{ r }}").paragraph_format.space_before = Pt(6)
    para(doc, "{%p endfor %}")

    for number, (title, field) in enumerate(
        (
            ("POLICY IMPLICATIONS", "policy"),
            ("FINANCIAL IMPLICATIONS", "financial"),
            ("IMPLICATIONS FOR THE PARTNERSHIP'S PRIORITIES", "priorities"),
            ("RISK ANALYSIS", "risk"),
            ("EQUALITY AND DIVERSITY ISSUES", "equality"),
        ),
        start=10,
    ):
        heading(doc, f"{number}.0 {title}", 1)
        para(doc, f"{number}.1 {{{{ implications.{field} }}}}")
    heading(doc, "15.0 LIST OF BACKGROUND PAPERS", 1)
    lead_in(doc, "15.1 The papers this report was drawn from, available from the contact officer:")
    para(doc, "{%p for b in background_papers %}")
    para(doc, "{{ b }}", style="List Bullet")
    para(doc, "{%p endfor %}")
    contact = para(doc, ("b", "{{ contact }}"))
    contact.paragraph_format.space_before = Pt(12)

    heading(doc, "APPENDIX A: EVERY INDICATOR", 1, page_break=True)
    table(
        doc,
        "Every indicator: target, actual, rating and direction of travel",
        [
            ("Partnership", 2.6),
            ("Code", 1.5),
            ("Indicator", 3.9),
            ("Target", 1.9),
            ("Actual", 2.1),
            ("Rating", 2.5),
            ("Direction of travel", 2.5),
        ],
        "i in appendix",
        [
            "{{ i.partnership }}",
            "{{ i.code }}",
            ["{{ i.title }}", "{%p if i.towards %}", "{{ i.towards }}", "{%p endif %}"],
            "{{ i.target }}",
            "{{ i.actual }}",
            ("rag", "i.fill", "{{ i.rag }}"),
            ["{{ i.dot }}", "Last year: {{ i.dot_year }}"],
        ],
    )
    override_notes(doc)
    footer(doc, "{{ board }} · {{ subject }}")
    save(doc, path)


def slim(doc: Document) -> None:
    """Keep only the styles the template uses, and drop python-docx's leftover parts.

    python-docx's blank document carries every built-in Word style (styles.xml, 350 KB),
    the same again for Word 2010 (stylesWithEffects.xml, 440 KB) and a thumbnail of an
    empty page. Every report would carry, parse and compress them: most of its size and of
    its rendering time. Word adds back any built-in style an officer later picks.
    """
    styles = doc.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    parts = [doc.element] + [section.footer._element for section in doc.sections]
    wanted = {s for s, e in by_id.items() if e.get(qn("w:default")) == "1"}
    for part in parts + [doc.part.numbering_part.element]:
        for tag in ("w:pStyle", "w:rStyle", "w:tblStyle", "w:numStyleLink", "w:styleLink"):
            wanted.update(e.get(qn("w:val")) for e in part.iter(qn(tag)))
    queue = list(wanted)
    while queue:  # the styles these are based on, continue with, or are linked to
        style = by_id.get(queue.pop())
        for tag in ("w:basedOn", "w:next", "w:link"):
            link = style.find(qn(tag)) if style is not None else None
            if link is not None and link.get(qn("w:val")) not in wanted:
                wanted.add(link.get(qn("w:val")))
                queue.append(link.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in wanted:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    for rels in (doc.part.rels, doc.part.package.rels):
        for r_id, rel in list(rels.items()):
            if rel.reltype.endswith(("/stylesWithEffects", "/thumbnail", "/customXml")):
                del rels[r_id]


def save(doc: Document, path: Path) -> None:
    """Save with fixed zip timestamps, so the same script gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    slim(doc)
    doc.save(temporary)
    with zipfile.ZipFile(temporary) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))
    temporary.unlink()


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "templates"
    build_highlight(folder / "highlight-report.docx")
    build_board_paper(folder / "board-paper.docx")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Native Word charts: DrawingML chart parts that Word and LibreOffice draw themselves, rather than
pictures.

A highlight report holds a trend chart for each exception and an SPC chart for every indicator with
twelve or more figures: over three hundred in a county's quarter. Drawn as pictures each cost about
6.5 ms of CPU to draw, compress and place; as chart XML each is text written from a template, and
Word draws it (sharp at any zoom and in print, restyled like any Word chart, and read by Word's own
accessibility tools). The figures are cached in the chart (c:numCache), as Word caches them; there
is no embedded workbook to edit them, since the master workbook is where the figures live.

`line_chart` writes any of these: categories along the bottom, one or more line series (a None is a
gap), each with its own line and marker, optionally a label on one point, and a value axis with
round ticks. What each chart shows is charts.py's business. Element order follows the schema
(ECMA-376 Part 1, dml-chart.xsd), which Word enforces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from pipeline.outputs.chart_scale import nice_ticks

CHART_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CHART_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_EMU_PER_MM = 36_000
_EMU_PER_PT = 12_700
# The documents' body font (templates/), so a chart reads as part of its page.
_FONT = '<a:latin typeface="Arial"/><a:cs typeface="Arial"/>'
_GRID = "D9D9D9"
_AXES = ("500000001", "500000002")  # the category and value axes' ids, as the line chart names them


@dataclass(frozen=True)
class WordChart:
    """A chart Word draws: its chart part's XML, what a screen reader announces, its size on the page,
    and what the document prints under it."""

    xml: str
    alt_text: str
    width_mm: float
    height_mm: float
    caption: str = ""


@dataclass(frozen=True)
class Marker:
    """A point's marker: symbol (circle, square, triangle, diamond), size in points, fill and edge colour."""

    symbol: str
    size: int
    fill: str
    edge: str


@dataclass(frozen=True)
class Series:
    """A line series. `line` None draws markers alone; `bare` are points drawn without a marker (a
    series of markers over them says something else of those points); `label` puts text by one point,
    (index, text, colour). A series out of the legend shares its look with one in it."""

    name: str
    values: Sequence[float | None]
    line: str | None
    width_pt: float = 0.0
    dashed: bool = False
    marker: Marker | None = None
    bare: Sequence[int] = ()
    label: tuple[int, str, str] | None = None
    in_legend: bool = True


def short_period(period: str) -> str:
    """'2024-25 Q3' as the category axis shows it: 'Q3' over '24-25', two short lines that fit
    thirteen quarters side by side without turning them; a financial year ('2024-25') as it is."""
    fy, _, quarter = period.partition(" ")
    return f"{quarter}\n{fy[2:]}" if quarter else period


def _number(value: float) -> str:
    return format(value, ".15g")


def _solid(colour: str) -> str:
    return f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'


def _run_properties(size: float, bold: bool = False, colour: str = "000000", tag: str = "a:defRPr") -> str:
    return f'<{tag} lang="en-GB" sz="{round(size * 100)}" b="{int(bold)}">{_solid(colour)}{_FONT}</{tag}>'


def _text_properties(size: float, bold: bool = False, colour: str = "000000") -> str:
    """c:txPr: how the text of an axis, the legend or a label is written."""
    return (
        f"<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr>{_run_properties(size, bold, colour)}</a:pPr>"
        '<a:endParaRPr lang="en-GB"/></a:p></c:txPr>'
    )


def _rich(lines: Sequence[tuple[str, float, bool]], colour: str = "000000") -> str:
    """c:tx with rich text: a paragraph for each (words, size in points, bold)."""
    paragraphs = "".join(
        f"<a:p><a:pPr>{_run_properties(size, bold, colour)}</a:pPr>"
        f"<a:r>{_run_properties(size, bold, colour, 'a:rPr')}<a:t>{escape(words)}</a:t></a:r></a:p>"
        for words, size, bold in lines
    )
    return f"<c:tx><c:rich><a:bodyPr/><a:lstStyle/>{paragraphs}</c:rich></c:tx>"


def _title(lines: Sequence[tuple[str, float, bool]]) -> str:
    return f'<c:title>{_rich(lines)}<c:overlay val="0"/></c:title>'


def _shape(line: str | None, width_pt: float, dashed: bool) -> str:
    if line is None:
        return "<c:spPr><a:ln><a:noFill/></a:ln></c:spPr>"
    dash = '<a:prstDash val="dash"/>' if dashed else ""
    return f'<c:spPr><a:ln w="{round(width_pt * _EMU_PER_PT)}" cap="rnd">{_solid(line)}{dash}<a:round/></a:ln></c:spPr>'


def _marker(marker: Marker | None) -> str:
    if marker is None:
        return '<c:marker><c:symbol val="none"/></c:marker>'
    return (
        f'<c:marker><c:symbol val="{marker.symbol}"/><c:size val="{marker.size}"/>'
        f'<c:spPr>{_solid(marker.fill)}<a:ln w="{_EMU_PER_PT}">{_solid(marker.edge)}</a:ln></c:spPr></c:marker>'
    )


def _label(series: Series) -> str:
    """c:dLbls: the one labelled point's text above it, and no other labels."""
    if series.label is None:
        return ""
    at, words, colour = series.label
    flags = (
        '<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/>'
        '<c:showPercent val="0"/><c:showBubbleSize val="0"/>'
    )
    off = flags.replace('<c:showVal val="1"/>', '<c:showVal val="0"/>')
    return (
        f'<c:dLbls><c:dLbl><c:idx val="{at}"/><c:layout/>{_rich([(words, 9, True)], colour)}'
        "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
        f'<c:dLblPos val="t"/>{flags}</c:dLbl>{off}</c:dLbls>'
    )


def _series(index: int, series: Series, labels: Sequence[str]) -> str:
    """A c:ser: its name, look, labelled point, the categories and the figures (a None is left out: a gap)."""
    last = len(labels) + 1
    column = _column(index)
    cats = "".join(f'<c:pt idx="{k}"><c:v>{escape(label)}</c:v></c:pt>' for k, label in enumerate(labels))
    vals = "".join(
        f'<c:pt idx="{k}"><c:v>{_number(v)}</c:v></c:pt>' for k, v in enumerate(series.values) if v is not None
    )
    bare = "".join(
        f'<c:dPt><c:idx val="{k}"/><c:marker><c:symbol val="none"/></c:marker><c:bubble3D val="0"/></c:dPt>'
        for k in series.bare
    )
    return (
        f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/>'
        f'<c:tx><c:strRef><c:f>Sheet1!${column}$1</c:f><c:strCache><c:ptCount val="1"/>'
        f'<c:pt idx="0"><c:v>{escape(series.name)}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
        f"{_shape(series.line, series.width_pt, series.dashed)}{_marker(series.marker)}{bare}{_label(series)}"
        f"<c:cat><c:strRef><c:f>Sheet1!$A$2:$A${last}</c:f><c:strCache>"
        f'<c:ptCount val="{len(labels)}"/>{cats}</c:strCache></c:strRef></c:cat>'
        f"<c:val><c:numRef><c:f>Sheet1!${column}$2:${column}${last}</c:f><c:numCache>"
        f'<c:formatCode>General</c:formatCode><c:ptCount val="{len(labels)}"/>{vals}</c:numCache></c:numRef></c:val>'
        '<c:smooth val="0"/></c:ser>'
    )


def _column(index: int) -> str:
    """The spreadsheet column a series would sit in (B, C, ... Z, AA, ...), for its references."""
    index += 1  # column A holds the categories
    name = ""
    while index >= 0:
        name = chr(ord("A") + index % 26) + name
        index = index // 26 - 1
    return name


def _tick_format(ticks: Sequence[float]) -> str:
    """The value axis's number format: thousands separated, and as many decimal places as the finest
    tick needs (Excel's "0.##" would print 5 as "5.")."""
    places = max(len(format(t, ".10g").partition(".")[2]) for t in ticks)
    return "#,##0" + ("." + "0" * places if places else "")


def line_chart(
    *,
    title: Sequence[tuple[str, float, bool]],
    axis_title: str,
    periods: Sequence[str],
    series: Sequence[Series],
    gridlines: bool = False,
) -> str:
    """The chart part (c:chartSpace) of a line chart: `title` a paragraph for each (words, size, bold),
    `periods` along the bottom (short_period), and the value axis from round ticks either side of every
    figure (chart_scale.nice_ticks)."""
    known = [v for s in series for v in s.values if v is not None]
    low, high, ticks = nice_ticks(min(known, default=0.0), max(known, default=1.0))
    step = ticks[1] - ticks[0] if len(ticks) > 1 else (high - low) / 4
    # The axis starts and ends on a tick, the first either side of the figures.
    axis_min = ticks[0] - step if ticks[0] > low else ticks[0]
    axis_max = ticks[-1] + step if ticks[-1] < high else ticks[-1]
    if known and min(known) >= 0 > axis_min:
        axis_min = 0.0  # no figure is below zero: the margin under them stops there (no "-20 homes")
    labels = [short_period(p) for p in periods]
    hidden = "".join(
        f'<c:legendEntry><c:idx val="{k}"/><c:delete val="1"/></c:legendEntry>'
        for k, s in enumerate(series)
        if not s.in_legend
    )
    axis_text = _text_properties(8)
    axis_line = f'<c:spPr><a:ln w="9525">{_solid("000000")}</a:ln></c:spPr>'
    grid = f'<c:majorGridlines><c:spPr><a:ln w="6350">{_solid(_GRID)}</a:ln></c:spPr></c:majorGridlines>'
    category, value = _AXES
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}">'
        '<c:date1904 val="0"/><c:lang val="en-GB"/><c:roundedCorners val="0"/>'
        f'<c:chart>{_title(title)}<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
        + "".join(_series(k, s, labels) for k, s in enumerate(series))
        + f'<c:marker val="1"/><c:axId val="{category}"/><c:axId val="{value}"/></c:lineChart>'
        f'<c:catAx><c:axId val="{category}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="low"/>'
        f'{axis_line}{axis_text}<c:crossAx val="{value}"/><c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        f'<c:tickLblSkip val="{max(1, round(len(labels) / 13))}"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="{value}"/><c:scaling><c:orientation val="minMax"/>'
        f'<c:max val="{_number(axis_max)}"/><c:min val="{_number(axis_min)}"/></c:scaling>'
        f'<c:delete val="0"/><c:axPos val="l"/>{grid if gridlines else ""}'
        f"{_title([(axis_title, 8, False)])}"
        f'<c:numFmt formatCode="{_tick_format(ticks)}" sourceLinked="0"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'{axis_line}{axis_text}<c:crossAx val="{category}"/><c:crosses val="autoZero"/>'
        f'<c:crossBetween val="between"/><c:majorUnit val="{_number(step)}"/></c:valAx>'
        "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr></c:plotArea>"
        f'<c:legend><c:legendPos val="b"/>{hidden}<c:overlay val="0"/>{axis_text}</c:legend>'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        f"<c:spPr>{_solid('FFFFFF')}<a:ln><a:noFill/></a:ln></c:spPr>"
        "</c:chartSpace>"
    )


def inline_xml(relationship: str, chart: WordChart) -> str:
    """The run content that places the chart part related as `relationship`: a wp:inline graphic frame
    carrying the alt text (docPr descr). docxtpl renumbers every docPr id after rendering."""
    cx, cy = round(chart.width_mm * _EMU_PER_MM), round(chart.height_mm * _EMU_PER_MM)
    return (
        f'<w:drawing><wp:inline xmlns:wp="{_WP}" distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="1" name="Chart" descr={quoteattr(chart.alt_text)}/><wp:cNvGraphicFramePr/>'
        f'<a:graphic xmlns:a="{_A}"><a:graphicData uri="{_C}">'
        f'<c:chart xmlns:c="{_C}" xmlns:r="{_R}" r:id="{relationship}"/>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing>"
    )

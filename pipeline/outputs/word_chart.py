"""The SPC (XmR) chart as a native Word chart: DrawingML chart XML that Word and LibreOffice draw
themselves, rather than a picture.

Every indicator with twelve or more figures gets one in its highlight report: three hundred in a
county's quarter. As a picture each cost about 6.5 ms to draw, compress and place; as chart XML it
is text written from a template, and Word draws it (sharp at any zoom, with the figures under it,
and the reader can restyle it). The figures are cached in the chart (c:numCache); there is no
embedded workbook to edit them, since the master workbook is where the figures live.

The chart shows the points joined, the mean as a solid line, the process limits dashed, and each
special-cause point marked in colour AND shape, as "Making Data Count" charts mark them (a
colour-blind reader, or a black-and-white print, still sees which points are special): grey
circles for common cause, blue squares for improvement, orange triangles for concern, purple
diamonds for higher or lower where there is no polarity. Each kind of special cause is a series
of markers alone, so the legend names it.

The element order follows the schema (ECMA-376 Part 1, dml-chart.xsd), which Word enforces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from pipeline.outputs.trend_drawing import nice_ticks

CHART_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CHART_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_EMU_PER_MM = 36_000
# The documents' body font (templates/), so the chart reads as part of the page.
_FONT = '<a:latin typeface="Arial"/><a:cs typeface="Arial"/>'

_LINE = "7F7F7F"
_MEAN = "404040"
_LIMIT = "808080"
# How each kind of point is marked: (fill colour, marker symbol, legend words).
MARKS = {
    "common": ("A6A6A6", "circle", "Common cause"),
    "improving": ("1F77B4", "square", "Improving"),
    "concerning": ("ED7D31", "triangle", "Concerning"),
    "neutral": ("7030A0", "diamond", "Higher or lower"),
}


@dataclass(frozen=True)
class WordChart:
    """A chart Word draws: its chart part's XML, what a screen reader announces, and its size."""

    xml: str
    alt_text: str
    width_mm: float
    height_mm: float
    caption: str = ""


def short_period(period: str) -> str:
    """'2024-25 Q3' as the axis shows it: 'Q3' over '24-25', two short lines that fit thirteen
    quarters side by side without turning them."""
    fy, _, quarter = period.partition(" ")
    return f"{quarter}\n{fy[2:]}" if quarter else period


def _number(value: float) -> str:
    return format(value, ".15g")


def _tick_format(ticks: Sequence[float]) -> str:
    """The value axis's number format: thousands separated, and as many decimal places as the
    finest tick needs (Excel's "0.##" would print 5 as "5.")."""
    places = max(len(format(t, ".10g").partition(".")[2]) for t in ticks)
    return "#,##0" + ("." + "0" * places if places else "")


def _solid(colour: str) -> str:
    return f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'


def _line(colour: str | None, width_pt: float = 0, dash: str = "") -> str:
    if colour is None:
        return "<c:spPr><a:ln><a:noFill/></a:ln></c:spPr>"
    dashed = f'<a:prstDash val="{dash}"/>' if dash else ""
    return f'<c:spPr><a:ln w="{round(width_pt * 12700)}" cap="rnd">{_solid(colour)}{dashed}<a:round/></a:ln></c:spPr>'


def _marker(kind: str | None, size: int = 7) -> str:
    if kind is None:
        return '<c:marker><c:symbol val="none"/></c:marker>'
    colour, symbol, _ = MARKS[kind]
    return (
        f'<c:marker><c:symbol val="{symbol}"/><c:size val="{size}"/>'
        f'<c:spPr>{_solid(colour)}<a:ln w="6350">{_solid(colour)}</a:ln></c:spPr></c:marker>'
    )


def _text(words: str, size: int, bold: bool = False) -> str:
    """A title's rich text."""
    b = ' b="1"' if bold else ' b="0"'
    return (
        "<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr>"
        f'<a:defRPr sz="{size * 100}"{b}>{_FONT}</a:defRPr></a:pPr><a:r><a:rPr lang="en-GB" sz="{size * 100}"{b}>{_FONT}</a:rPr>'
        f"<a:t>{escape(words)}</a:t></a:r></a:p></c:rich></c:tx>"
    )


def _series(
    index: int, name: str, column: str, labels: Sequence[str], values: Sequence[float | None], look: str
) -> str:
    """A line series: its name, its look (spPr and marker), the periods and the figures; a None is a gap."""
    last = len(labels) + 1
    cats = "".join(f'<c:pt idx="{k}"><c:v>{escape(label)}</c:v></c:pt>' for k, label in enumerate(labels))
    vals = "".join(f'<c:pt idx="{k}"><c:v>{_number(v)}</c:v></c:pt>' for k, v in enumerate(values) if v is not None)
    return (
        f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/>'
        f'<c:tx><c:strRef><c:f>Sheet1!${column}$1</c:f><c:strCache><c:ptCount val="1"/>'
        f'<c:pt idx="0"><c:v>{escape(name)}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
        f"{look}"
        f"<c:cat><c:strRef><c:f>Sheet1!$A$2:$A${last}</c:f><c:strCache>"
        f'<c:ptCount val="{len(labels)}"/>{cats}</c:strCache></c:strRef></c:cat>'
        f"<c:val><c:numRef><c:f>Sheet1!${column}$2:${column}${last}</c:f><c:numCache>"
        f'<c:formatCode>General</c:formatCode><c:ptCount val="{len(labels)}"/>{vals}</c:numCache></c:numRef></c:val>'
        '<c:smooth val="0"/></c:ser>'
    )


def spc_chart_xml(
    *,
    title: str,
    unit: str,
    periods: Sequence[str],
    values: Sequence[Decimal],
    kinds: Sequence[str],
    mean: Decimal,
    lower: Decimal,
    upper: Decimal,
) -> str:
    """The chart part (c:chartSpace) of an XmR chart. `kinds` says how each point is marked (a key of
    MARKS); the value axis runs over the points and the limits, with round ticks (trend_drawing.nice_ticks)."""
    figures = [float(v) for v in values]
    m, lo, hi = float(mean), float(lower), float(upper)
    low, high, ticks = nice_ticks(min([*figures, lo]), max([*figures, hi]))
    step = ticks[1] - ticks[0] if len(ticks) > 1 else (high - low) / 4
    # The axis stops at the ticks either side of the data, so it starts and ends on a labelled value.
    axis_min = ticks[0] - step if ticks[0] > low else ticks[0]
    axis_max = ticks[-1] + step if ticks[-1] < high else ticks[-1]
    labels = [short_period(p) for p in periods]
    n = len(labels)
    columns = iter("BCDEFGH")
    series = [
        _series(0, "Figure", next(columns), labels, figures, _line(_LINE, 1.5) + _marker("common", 6)),
        _series(1, "Mean", next(columns), labels, [m] * n, _line(_MEAN, 1.75) + _marker(None)),
        _series(2, "Upper limit", next(columns), labels, [hi] * n, _line(_LIMIT, 1.25, "dash") + _marker(None)),
        _series(3, "Lower limit", next(columns), labels, [lo] * n, _line(_LIMIT, 1.25, "dash") + _marker(None)),
    ]
    for kind in ("improving", "concerning", "neutral"):
        if kind in kinds:
            marked = [v if k == kind else None for v, k in zip(figures, kinds)]
            look = _line(None) + _marker(kind, 9)
            series.append(_series(len(series), MARKS[kind][2], next(columns), labels, marked, look))
    axis_text = (
        '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="800">'
        f'{_solid("000000")}{_FONT}</a:defRPr></a:pPr><a:endParaRPr lang="en-GB"/></a:p></c:txPr>'
    )
    axis_line = f'<c:spPr><a:ln w="9525">{_solid("000000")}</a:ln></c:spPr>'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}">'
        '<c:date1904 val="0"/><c:lang val="en-GB"/><c:roundedCorners val="0"/>'
        "<c:chart>"
        f'<c:title>{_text(title, 10, bold=True)}<c:overlay val="0"/></c:title>'
        '<c:autoTitleDeleted val="0"/>'
        "<c:plotArea><c:layout/>"
        '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
        + "".join(series)
        + '<c:marker val="1"/><c:axId val="500000001"/><c:axId val="500000002"/></c:lineChart>'
        '<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="low"/>'
        f'{axis_line}{axis_text}<c:crossAx val="500000002"/><c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        f'<c:tickLblSkip val="{max(1, round(n / 8))}"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        '<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/>'
        f'<c:max val="{_number(axis_max)}"/><c:min val="{_number(axis_min)}"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="l"/>'
        f'<c:title>{_text(unit, 8)}<c:overlay val="0"/></c:title>'
        f'<c:numFmt formatCode="{_tick_format(ticks)}" sourceLinked="0"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'{axis_line}{axis_text}<c:crossAx val="500000001"/><c:crosses val="autoZero"/>'
        f'<c:crossBetween val="between"/><c:majorUnit val="{_number(step)}"/></c:valAx>'
        "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
        "</c:plotArea>"
        f'<c:legend><c:legendPos val="b"/><c:overlay val="0"/>{axis_text}</c:legend>'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/>'
        "</c:chart>"
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

"""A native Word chart (word_chart) read back from its XML: what a reader of the page would see drawn."""

from __future__ import annotations

from dataclasses import dataclass

from defusedxml import ElementTree

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@dataclass
class Line:
    name: str
    values: dict[int, float]  # by category index; a missing index is a gap
    colour: str | None  # None: no line, markers alone
    dashed: bool
    symbol: str  # "none" or the marker's shape
    fill: str | None  # the marker's fill colour
    bare: set[int]  # points drawn without a marker
    label: tuple[int, str, str, bool] | None  # (index, text, colour, bold) of the point's label
    in_legend: bool


@dataclass
class ChartView:
    title: list[str]  # a line for each paragraph
    axis_title: str
    categories: list[str]
    lines: list[Line]
    axis_min: float
    axis_max: float
    major_unit: float
    number_format: str
    gridlines: bool

    def line(self, name: str) -> Line:
        [found] = [line for line in self.lines if line.name == name]
        return found

    def names(self, *, legend_only: bool = False) -> list[str]:
        return [line.name for line in self.lines if line.in_legend or not legend_only]


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{A}t"))


def _colour(element) -> str | None:
    found = element.find(f"{A}solidFill/{A}srgbClr") if element is not None else None
    return None if found is None else found.get("val")


def read_chart(xml: str) -> ChartView:
    space = ElementTree.fromstring(xml.encode("utf-8"))
    chart = space.find(f"{C}chart")
    title = [_text(p) for p in chart.find(f"{C}title").iter(f"{A}p")]
    hidden = {
        int(e.find(f"{C}idx").get("val")) for e in chart.iter(f"{C}legendEntry") if e.find(f"{C}delete") is not None
    }
    lines = []
    for n, ser in enumerate(chart.iter(f"{C}ser")):
        ln = ser.find(f"{C}spPr/{A}ln")
        marker = ser.find(f"{C}marker")
        label = ser.find(f"{C}dLbls/{C}dLbl")
        lines.append(
            Line(
                name=ser.find(f"{C}tx//{C}v").text,
                values={int(pt.get("idx")): float(pt.find(f"{C}v").text) for pt in ser.find(f"{C}val").iter(f"{C}pt")},
                colour=None if ln.find(f"{A}noFill") is not None else _colour(ln),
                dashed=ln.find(f"{A}prstDash") is not None,
                symbol=marker.find(f"{C}symbol").get("val"),
                fill=_colour(marker.find(f"{C}spPr")),
                bare={int(p.find(f"{C}idx").get("val")) for p in ser.iter(f"{C}dPt")},
                label=None
                if label is None
                else (
                    int(label.find(f"{C}idx").get("val")),
                    _text(label.find(f"{C}tx")),
                    _colour(label.find(f".//{A}rPr")),
                    label.find(f".//{A}rPr").get("b") == "1",
                ),
                in_legend=n not in hidden,
            )
        )
    categories = [pt.find(f"{C}v").text for pt in chart.find(f".//{C}cat").iter(f"{C}pt")]
    axis = chart.find(f".//{C}valAx")
    return ChartView(
        title=title,
        axis_title=_text(axis.find(f"{C}title")),
        categories=categories,
        lines=lines,
        axis_min=float(axis.find(f"{C}scaling/{C}min").get("val")),
        axis_max=float(axis.find(f"{C}scaling/{C}max").get("val")),
        major_unit=float(axis.find(f"{C}majorUnit").get("val")),
        number_format=axis.find(f"{C}numFmt").get("formatCode"),
        gridlines=axis.find(f"{C}majorGridlines") is not None,
    )

"""Chart geometry for the report's server-rendered SVG.

The templates only place what is computed here. Charts are narrow (300 units wide)
so that on a 360 px phone one unit is one pixel and the 13 px labels stay 13 px;
the stylesheet caps their width on large screens and in print. Colours and fonts
come from classes in static/app.css: the CSP allows no inline style.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from portal.formatting import number as format_decimal
from portal.formatting import percent
from portal.reports.figures import CountRow, RateRow, Report, Retention

WIDTH = 300
ROW = 40  # one bar: its label line, then the bar
BAR_HEIGHT = 14
# Generous average advances of 13 px system-ui text: regular labels, bold values.
LABEL_CHAR, VALUE_CHAR = 7, 8


def _short(text: str, value: str) -> str:
    """The label cut to fit on the line beside its value."""
    limit = max(int((WIDTH - 12 - len(value) * VALUE_CHAR) / LABEL_CHAR), 8)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Bar:
    label: str
    value: str
    y: float
    width: float

    @property
    def label_y(self) -> float:
        return self.y + 13

    @property
    def bar_y(self) -> float:
        return self.y + 19


@dataclass
class BarChart:
    id: str
    title: str
    summary: str
    bars: list[Bar]
    track: bool = False  # rates draw the 100 % track behind each bar
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW


def rate_chart(chart_id: str, title: str, rows: list[RateRow]) -> BarChart:
    bars = []
    for index, row in enumerate(rows):
        value = f"{percent(row.rate)} · {format_decimal(row.placed)} de {format_decimal(row.graduates)}"
        bars.append(Bar(_short(row.label, value), value, index * ROW, round((row.rate or 0) * WIDTH, 1)))
    summary = "; ".join(f"{row.label}: {percent(row.rate)} ({format_decimal(row.placed)} de "
                        f"{format_decimal(row.graduates)} egresados(as) colocados)" for row in rows)
    return BarChart(chart_id, title, summary + ".", bars, track=True)


def count_chart(chart_id: str, title: str, rows: list[CountRow], unit: str) -> BarChart:
    top = max((row.count for row in rows), default=0)
    bars = []
    for index, row in enumerate(rows):
        value = format_decimal(row.count)
        bars.append(Bar(_short(row.label, value), value, index * ROW,
                        round(row.count / top * WIDTH, 1) if top else 0))
    summary = "; ".join(f"{row.label}: {format_decimal(row.count)} {unit}" for row in rows)
    return BarChart(chart_id, title, summary + ".", bars)


@dataclass
class Point:
    months: int
    x: float
    y: float | None
    value: str

    @property
    def anchor(self) -> str:
        """Labels at the ends of the axis grow inwards, so none is cut off on a phone."""
        return {3: "start", 12: "end"}.get(self.months, "middle")


@dataclass
class LineChart:
    id: str
    title: str
    summary: str
    points: list[Point]
    segments: list[str]  # "x1,y1 x2,y2 …" for each run of points that have a value
    gridlines: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = 200
    left: int = 44
    right: int = WIDTH - 8
    top: int = 24
    bottom: int = 164


def retention_chart(chart_id: str, title: str, items: list[Retention]) -> LineChart:
    """Share still working at 3, 6 and 12 months; months with no answers leave a gap."""
    chart = LineChart(chart_id, title, "", [], [])
    span = chart.right - chart.left
    height = chart.bottom - chart.top
    chart.gridlines = [(chart.bottom - share * height, percent(share)) for share in (0, 0.25, 0.5, 0.75, 1)]
    run: list[str] = []
    for item in items:
        x = chart.left + (item.months - 3) / 9 * span
        y = None if item.share is None else round(chart.bottom - item.share * height, 1)
        chart.points.append(Point(item.months, round(x, 1), y, percent(item.share, "sin respuestas")))
        if y is None:
            if len(run) > 1:
                chart.segments.append(" ".join(run))
            run = []
        else:
            run.append(f"{round(x, 1)},{y}")
    if len(run) > 1:
        chart.segments.append(" ".join(run))
    chart.summary = "; ".join(
        f"a los {item.months} meses, {percent(item.share)} "
        f"({format_decimal(item.working)} de {format_decimal(item.answered)} respuestas)"
        if item.share is not None else f"a los {item.months} meses, sin respuestas"
        for item in items
    ) + "."
    return chart


def build(report: Report) -> dict[str, BarChart | LineChart]:
    """Every chart of the report, keyed by the section that shows it."""
    return {
        "programme": rate_chart("chart-programme", "Tasa de colocación por programa", report.by_programme),
        "year": rate_chart("chart-year", "Tasa de colocación por año de egreso", report.by_year),
        "days": count_chart("chart-days", "Días desde el egreso hasta la primera colocación",
                            report.day_ranges, "egresados(as)"),
        "retention": retention_chart("chart-retention", "Siguen trabajando a los 3, 6 y 12 meses",
                                     report.retention),
        "kind": count_chart("chart-kind", "Colocaciones por tipo", report.by_kind, "colocaciones"),
        "department": count_chart("chart-department", "Colocaciones por departamento",
                                  report.by_department, "colocaciones"),
        "outcomes": count_chart("chart-outcomes", "Resultado de las postulaciones", report.outcomes,
                                "postulaciones"),
    }

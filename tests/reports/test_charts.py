"""Chart geometry and es-PE numbers, without HTTP."""
import pytest

from portal import formatting
from portal.reports import charts
from portal.reports.figures import CountRow, RateRow, Retention


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("value, text", [(None, "—"), (0, "0%"), (0.5, "50%"), (4 / 9, "44.4%"),
                                         (1, "100%"), (2 / 3, "66.7%"), (0.0005, "0%")])
def test_percentages_as_peru_writes_them(request_context, value, text):
    assert formatting.percent(value) == text


def test_numbers_as_peru_writes_them(request_context):
    assert formatting.number(1234567) == "1,234,567"
    assert formatting.number(37.5) == "37.5"
    assert formatting.number(None) == ""


def test_rate_bars_are_drawn_against_the_whole_width(request_context):
    chart = charts.rate_chart("c", "Tasa", [RateRow(1, "Electricidad", 6, 3), RateRow(2, "Cocina", 0, 0)])
    assert chart.track and chart.height == 2 * charts.ROW
    assert [bar.width for bar in chart.bars] == [charts.WIDTH / 2, 0]
    assert [bar.value for bar in chart.bars] == ["50% · 3 de 6", "— · 0 de 0"]
    assert chart.bars[1].y == charts.ROW
    assert chart.summary == ("Electricidad: 50% (3 de 6 egresados(as) colocados); "
                             "Cocina: — (0 de 0 egresados(as) colocados).")


def test_count_bars_are_drawn_against_the_largest(request_context):
    chart = charts.count_chart("c", "Tipo", [CountRow("a", "Empleo", 8), CountRow("b", "Pasantía", 2)], "colocaciones")
    assert not chart.track
    assert [bar.width for bar in chart.bars] == [charts.WIDTH, charts.WIDTH / 4]
    assert charts.count_chart("c", "Tipo", [], "colocaciones").bars == []


def test_long_labels_are_cut_to_leave_room_for_the_value(request_context):
    long = "Aprendizaje con predominio en la empresa y algo más largo todavía"
    chart = charts.count_chart("c", "Tipo", [CountRow("a", long, 1234)], "colocaciones")
    label, value = chart.bars[0].label, chart.bars[0].value
    assert label.endswith("…") and long.startswith(label[:-1])
    assert len(label) * charts.LABEL_CHAR + len(value) * charts.VALUE_CHAR <= charts.WIDTH


def test_the_retention_line_leaves_a_gap_where_nobody_answered(request_context):
    chart = charts.retention_chart("r", "Siguen trabajando", [
        Retention(3, working=3, not_working=1), Retention(6), Retention(12, working=1, not_working=1)])
    three, six, twelve = chart.points
    assert (three.x, twelve.x) == (chart.left, chart.right)
    assert three.y == pytest.approx(chart.bottom - 0.75 * (chart.bottom - chart.top), abs=0.1)
    assert six.y is None and six.value == "sin respuestas"
    assert chart.segments == []  # no two neighbouring months both have answers
    assert "a los 6 meses, sin respuestas" in chart.summary

    joined = charts.retention_chart("r", "t", [Retention(3, working=1), Retention(6, working=1), Retention(12)])
    assert len(joined.segments) == 1 and len(joined.segments[0].split()) == 2

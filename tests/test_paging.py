"""portal.paging: the one Page and the one query-string base every paged list declares on."""
import pytest
from werkzeug.datastructures import MultiDict

from portal import paging, vocab
from portal.companies.queries import QueueFilters
from portal.matching.queries import CandidateFilters
from portal.openings.queries import Filters as OpeningFilters
from portal.paging import Choice, Flag, Number, Page, PageNumber, QueryFilters, Text
from portal.placements.queries import Filters as PlacementFilters
from portal.reports.filters import ReportFilters
from portal.roster.queries import Filters as RosterFilters


class Listing(QueryFilters):
    q = Text(10)
    familia = Number(names={1: "Construcción", 2: "Minería"}, title="Familia")
    programa = Number(title="Programa", requires="familia")
    tipo = Choice(vocab.OPENING_KINDS, title="Tipo")
    orden = Choice({"recientes": "Recientes", "sueldo": "Sueldo"}, "recientes", filter=False)
    vencidos = Flag(title="Vencidos")
    pagina = PageNumber()


# --- Page -----------------------------------------------------------------------------------


def test_a_page_knows_where_it_is():
    page = Page(items=list(range(20)), total=45, page=2, per_page=20)
    assert (page.pages, page.has_prev, page.has_next, page.shown) == (3, True, True, 40)
    last = Page(items=[1], total=45, page=3, per_page=20)
    assert (last.has_next, last.shown) == (False, 45)
    empty = Page(items=[], total=0)
    assert (empty.pages, empty.has_prev, empty.has_next) == (1, False, False)


def test_page_numbers_mark_gaps():
    assert Page(items=[], total=20 * 50, page=10).numbers() == [1, None, 8, 9, 10, 11, 12, None, 50]
    assert Page(items=[], total=60, page=1).numbers() == [1, 2, 3]
    assert Page(items=[], total=25, page=1, per_page=25).numbers() == [1]


def test_what_a_list_shows_beside_its_rows_rides_in_extra():
    page = Page(items=[], total=0, extra={"unread": 3})
    assert page.extra["unread"] == 3 and Page(items=[], total=0).extra == {}


# --- Reading a query string -------------------------------------------------------------------


def test_values_are_read_checked_and_named():
    filters = Listing.from_args(MultiDict({"q": "  cocina   fría  ", "familia": "2", "programa": "7",
                                           "tipo": "empleo", "orden": "sueldo", "vencidos": "on", "pagina": "3"}))
    assert (filters.q, filters.familia, filters.programa, filters.tipo) == ("cocina frí", 2, 7, "empleo")
    assert (filters.orden, filters.vencidos, filters.pagina, filters.page) == ("sueldo", True, 3, 3)
    assert filters.names == {"familia": "Minería", "tipo": "Empleo", "orden": "Sueldo"}


@pytest.mark.parametrize("raw", ["", "abc", "-3", "0", "1.5", "²", "٣", "9" * 5000, "%00", "familia", " "])
def test_a_bad_value_leaves_the_default_and_never_fails(raw):
    filters = Listing.from_args({key: raw for key in Listing.params if key != "q"})  # q takes any words
    assert filters.args(pagina=1) == {}
    assert filters.pagina == (paging.MAX_PAGE if len(raw) > 9 else 1)  # a huge page number is the last one


def test_page_numbers_out_of_range_are_brought_inside():
    assert [Listing.from_args({"pagina": raw}).pagina for raw in ("0", "1", "12", "99999999")] == \
        [1, 1, 12, paging.MAX_PAGE]


def test_a_value_that_requires_another_is_dropped_without_it():
    assert Listing.from_args({"programa": "7"}).programa is None
    assert Listing.from_args({"familia": "9", "programa": "7"}).programa is None  # an unknown family
    assert Listing.from_args({"familia": "1", "programa": "7"}).programa == 7


def test_clean_drops_values_that_contradict_each_other():
    class Range(QueryFilters):
        desde = Number()
        hasta = Number()

        def clean(self):
            if self.desde and self.hasta and self.hasta < self.desde:
                self.drop("hasta")

    assert Range.from_args({"desde": "5", "hasta": "3"}).args() == {"desde": 5}
    assert Range.from_args({"desde": "3", "hasta": "5"}).args() == {"desde": 3, "hasta": 5}


# --- Writing it back ---------------------------------------------------------------------------


def test_args_leave_defaults_out_in_declaration_order():
    filters = Listing.from_args({"pagina": "2", "vencidos": "si", "tipo": "pasantia", "q": "chef", "orden": "recientes"})
    assert list(filters.args().items()) == [("q", "chef"), ("tipo", "pasantia"), ("vencidos", "1"), ("pagina", 2)]
    assert filters.args(pagina=1) == {"q": "chef", "tipo": "pasantia", "vencidos": "1"}
    assert filters.args(tipo=None, pagina=3) == {"q": "chef", "vencidos": "1", "pagina": 3}
    assert Listing().args() == {}


def test_without_removes_a_filter_what_requires_it_and_the_page():
    filters = Listing.from_args({"q": "chef", "familia": "1", "programa": "7", "tipo": "empleo", "pagina": "4"})
    assert filters.without("familia") == {"q": "chef", "tipo": "empleo"}
    assert filters.without("q") == {"familia": 1, "programa": 7, "tipo": "empleo"}


def test_active_filters_are_labelled_and_counted_but_not_the_order_or_page():
    filters = Listing.from_args({"q": "chef", "familia": "1", "tipo": "empleo", "orden": "sueldo", "pagina": "2"})
    assert filters.active() == [("q", "«chef»"), ("familia", "Familia: Construcción"), ("tipo", "Tipo: Empleo")]
    assert filters.count == 3
    assert Listing.from_args({"orden": "sueldo", "pagina": "9"}).count == 0


# --- Every list's declaration ------------------------------------------------------------------


FEATURES = [OpeningFilters, RosterFilters, PlacementFilters, QueueFilters, CandidateFilters, ReportFilters,
            paging.PageOnly]
GARBAGE = ["²", "abc", "-1", "01x", "<script>", "0", "1e3", "𝟗"]


@pytest.mark.parametrize("declaration", FEATURES, ids=lambda d: f"{d.__module__}.{d.__name__}")
@pytest.mark.parametrize("raw", GARBAGE)
def test_no_list_fails_on_a_bad_query_string(app, declaration, raw):
    """Each feature's URL parameters, all given nonsense: the defaults stand (once, "²" was a 500)."""
    words = {key for key, param in declaration.params.items() if isinstance(param, Text)}  # any text is a search
    filters = declaration.from_args(MultiDict({key: raw for key in declaration.params if key not in words}))
    assert filters == declaration() and filters.args() == {}


def test_the_public_listing_keeps_its_parameter_names():
    """DESIGN §5: the URLs are shared, so their names and order do not change."""
    assert list(OpeningFilters.params) == ["q", "familia", "programa", "departamento", "provincia", "tipo",
                                           "modalidad", "orden", "pagina"]


def test_a_declaration_refuses_an_unknown_parameter_in_code():
    with pytest.raises(TypeError):
        Listing(pagnia=2)

"""The `openings` data version watches exactly the tables the listing's index and matching's
facts are built from.

Each process keeps the open openings in memory until that version moves
(portal/versions.py). A table read into the index but not watched would leave every
process showing stale rows after a write to it; a table watched but not read costs every
process a rebuild for nothing. The tables read are recorded from the statements a build
executes, not listed by hand, so a new read shows up here.
"""
from sqlalchemy import text

from portal import versions
from portal.clock import today
from portal.extensions import db
from portal.matching import index as matching_index
from portal.models import DataChange, DataVersion
from portal.openings import listing, queries, search
from tests import factories
from tests.helpers.statements import recording


def _search_sources() -> set[str]:
    """The tables whose triggers keep the text search table (migration 0002), read from the
    database's own triggers: a search word the index caches comes from them."""
    if db.engine.dialect.name == "postgresql":
        rows = db.session.execute(text(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE NOT t.tgisinternal AND p.prosrc LIKE '%opening_search%'"))
    else:
        rows = db.session.execute(text(
            "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%openings_fts%'"))
    return set(rows.scalars())


def test_the_openings_version_watches_exactly_what_the_index_and_matching_read(app):
    # Something of everything the index holds, so no read is skipped for want of rows.
    company = factories.company(verified=True, trade_name="Electro Sur")
    opening = factories.opening(company, title="Electricista de planta", required_modules=1)
    opening.programmes = [factories.programme()]
    opening.targets_all_cetpros = False
    opening.cetpros = [factories.cetpro()]
    db.session.commit()
    versions.bump(db.session, "openings")  # whatever this process held is stale: a full build
    db.session.commit()

    with recording() as read:
        open_now = listing.open_openings(today())
        matching_index.facts(open_now)
        for order in queries.ORDERS:
            listing.listing_page(queries.Filters.from_args({"q": "electricista", "orden": order}), today(), 20)
    assert opening.id in open_now and matching_index.facts(open_now).requirements[opening.id]

    searched = read & search.SEARCH_TABLES
    assert searched, "the text search was not recorded: the comparison would miss its tables"
    sources = _search_sources()
    assert sources, "no trigger keeps the search table up to date"
    read = (read - searched - {DataVersion.__tablename__, DataChange.__tablename__}) | sources
    assert read == versions.WATCHED["openings"]

    # A write to one opening: the index and matching re-read only it, from the same tables.
    opening.title = "Electricista de mantenimiento"
    opening.requirements[0].required = not opening.requirements[0].required
    db.session.commit()
    with recording() as refreshed:
        open_now = listing.open_openings(today())
        matching_index.facts(open_now)
    assert open_now.card(opening.id).title == "Electricista de mantenimiento"
    assert refreshed - {DataVersion.__tablename__, DataChange.__tablename__} <= versions.WATCHED["openings"]
    assert "opening_requirements" in refreshed  # matching carried over, its changed opening re-read


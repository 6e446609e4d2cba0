"""The listing's in-memory index (portal.openings.index, read through portal.openings.listing)
against the SQL reference.

The index answers the public listing in every process; it must give exactly the rows,
order and count of `queries.search_openings_sql`, and follow every committed write.
"""
import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select, update

from portal import bitsets
from portal.clock import today
from portal.extensions import db
from portal.models import Family, Opening, Programme
from portal.openings import index, listing, queries
from tests import factories
from tests.helpers.web import HTMX

WORDS = ["Electricista", "Soldador", "Cocinero", "Mecánico", "Costurera", "Panadero", "Técnico",
         "Auxiliar", "mantenimiento", "instalaciones", "planta", "taller"]
PLACES = [("04", "0401"), ("04", "0402"), ("15", "1501"), ("12", "1201"), (None, None)]
KINDS = ["empleo", "practicas_preprofesionales", "practicas_profesionales"]
MODES = ["presencial", "remoto", "hibrido"]


def _world(rng: random.Random) -> None:
    families = list(db.session.scalars(select(Family).order_by(Family.id).limit(4)))
    companies = [factories.company(verified=rng.random() < 0.6, trade_name=f"Empresa {w}")
                 for w in ("Norte", "Sur", "Andina")]
    for n in range(90):
        family = rng.choice(families)
        department, province = rng.choice(PLACES)
        row = factories.opening(
            rng.choice(companies), state=rng.choice(["published"] * 6 + ["closed", "draft"]),
            kind=rng.choice(KINDS), title=f"{rng.choice(WORDS)} {rng.choice(WORDS).lower()} {n}",
            work_mode=rng.choice(MODES), department_code=department, province_code=province,
            pay_monthly=rng.choice([None, Decimal("1130"), Decimal("1500"), Decimal("2200")]),
            deadline=rng.choice([None, today() - timedelta(days=1), today(), today() + timedelta(days=rng.randint(1, 60))]),
        )
        row.family_id = family.id
        # Publication times repeat (a batch published together): ties go by id.
        row.published_at = datetime(2026, 11, 1) + timedelta(hours=rng.randint(0, 40))
        if rng.random() < 0.4:
            row.programmes = rng.sample(list(db.session.scalars(
                select(Programme).where(Programme.family_id == family.id))), 1)
    db.session.commit()


def _random_filters(rng: random.Random) -> dict:
    families = list(db.session.scalars(select(Family.id).order_by(Family.id).limit(4)))
    args = {}
    if rng.random() < 0.6:
        args["q"] = " ".join(rng.sample(WORDS + ["empre", "sur", "xyzzy", "e"], rng.randint(1, 2)))
    if rng.random() < 0.5:
        args["familia"] = rng.choice(families)
        if rng.random() < 0.5:
            args["programa"] = rng.choice(list(db.session.scalars(
                select(Programme.id).where(Programme.family_id == args["familia"]))))
    if rng.random() < 0.5:
        department, province = rng.choice(PLACES[:-1])
        args["departamento"] = department
        if rng.random() < 0.5:
            args["provincia"] = province
    for key, values in (("tipo", KINDS), ("modalidad", MODES)):
        if rng.random() < 0.3:
            args[key] = rng.choice(values)
    args["orden"] = rng.choice(["recientes", "recientes", "cierre", "sueldo"])
    args["pagina"] = rng.choice([1, 1, 1, 2, 3, 9])
    return args


def _both(args: dict):
    filters = queries.Filters.from_args(args)
    fast = listing.listing_page(filters, today(), queries.PAGE_SIZE)
    reference = queries.search_openings_sql(filters)
    return fast, reference


def test_the_index_gives_the_rows_order_and_count_of_sql(app):
    rng = random.Random(20261127)
    _world(rng)
    checked = 0
    for _ in range(400):
        args = _random_filters(rng)
        fast, reference = _both(args)
        assert fast is not None, args
        items, total = fast
        assert total == reference.total, args
        assert [c.id for c in items] == [c.id for c in reference.items], args
        checked += bool(reference.total)
    assert checked > 150  # most combinations found something: the comparison was not vacuous


def test_another_order_of_a_large_set_and_deep_pages_go_to_sql(app, monkeypatch):
    for n in range(5):
        factories.opening(title=f"Electricista {n}")
    monkeypatch.setattr(index, "SORT_LIMIT", 3)
    assert listing.listing_page(queries.Filters.from_args({"orden": "sueldo"}), today(), 20) is None
    assert listing.listing_page(queries.Filters.from_args({"pagina": "500"}), today(), 20) is None
    # …and the listing still answers them.
    page = queries.search_openings(queries.Filters.from_args({"orden": "sueldo"}))
    assert page.total == 5 and len(page.items) == 5


def _listed(client, **args) -> str:
    return client.get("/ofertas", query_string=args, headers=HTMX).get_data(as_text=True)


def test_every_committed_write_shows_on_the_next_request(client):
    company = factories.company(trade_name="Electro Sur")
    first = factories.opening(company, title="Electricista de planta")
    assert "Electricista de planta" in _listed(client)

    second = factories.opening(company, title="Soldador homologado")  # published
    assert "Soldador homologado" in _listed(client, q="soldador")

    second.title = "Soldador 6G homologado"  # edited
    db.session.commit()
    assert "Soldador 6G homologado" in _listed(client, q="soldador")

    company.trade_name = "Electro Sur Andino"  # the company's name is on every card
    db.session.commit()
    assert "Electro Sur Andino" in _listed(client)

    first.state = "closed"  # closed: gone from the list and from the count
    db.session.commit()
    html = _listed(client)
    assert "Electricista de planta" not in html and "1 oferta" in html

    # A bulk UPDATE through the session (as expiry and verification do) moves it too.
    db.session.execute(update(Opening).where(Opening.id == first.id).values(state="published"))
    db.session.commit()
    assert "Electricista de planta" in _listed(client)


def test_a_deadline_passing_at_midnight_in_lima_leaves_the_list(app):
    factories.opening(title="Cierra hoy", deadline=today())
    filters = queries.Filters.from_args({})
    items, total = listing.listing_page(filters, today(), 20)
    assert [c.title for c in items] == ["Cierra hoy"]
    items, total = listing.listing_page(filters, today() + timedelta(days=1), 20)
    assert (items, total) == ([], 0)


def test_two_processes_see_each_others_writes(app, database_url):
    """Another app (another worker) on the same database: its write shows here at once."""
    from portal import create_app

    factories.opening(title="Electricista de planta")
    assert queries.search_openings(queries.Filters.from_args({})).total == 1  # this worker's index is loaded
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with other.app_context():
        factories.opening(title="Soldador homologado")
        db.session.remove()
    assert [c.title for c in queries.search_openings(queries.Filters.from_args({})).items] == \
        ["Soldador homologado", "Electricista de planta"]


def test_applying_does_not_move_the_listing_version(app):
    """Writes the listing does not show leave every process's index in place."""
    from portal import versions
    from portal.applications import services

    opening = factories.opening()
    student = factories.student()
    before = versions.current(db.session, "openings")
    services.apply(student.student, opening, "")
    assert versions.current(db.session, "openings") == before
    opening.programmes = [factories.programme()]  # …and an opening's programmes do
    db.session.commit()
    assert versions.current(db.session, "openings") == before + 1


def test_a_replaced_index_goes_by_reference_counting_alone(app):
    """Each gunicorn worker freezes what it loaded at start out of the garbage collector's
    sight (gunicorn.conf.py: a full collection walked it in the middle of requests). So the
    first index, with what matching derived from it, must go once a write replaces it
    without the collector's help, or every worker would keep it for life."""
    import gc
    import weakref

    from portal.matching import index as matching_index

    cetpro = factories.cetpro()
    opening = factories.opening(title="Electricista de planta", targets_all_cetpros=False)
    opening.cetpros = [cetpro]
    db.session.commit()
    facts = matching_index.facts(listing.open_openings(today()))
    assert cetpro.id in facts.by_cetpro  # derived facts that point back at their index
    del facts
    first = weakref.ref(app.extensions["listing_index"]["snapshot"])
    shown = first().cards[0].id
    gc.collect()
    gc.disable()
    try:
        factories.opening(title="Soldador homologado")  # a write: the next read rebuilds
        assert listing.open_openings(today()).card(shown) is not None
        assert first() is None
    finally:
        gc.enable()


def _random_write(rng: random.Random) -> str:
    """One write an employer, a moderator or the expiry job makes; returns what it was."""
    openings = list(db.session.scalars(select(Opening).order_by(Opening.id)))
    listed = [o for o in openings if o.state == "published"]
    row = rng.choice(listed or openings)
    families = list(db.session.scalars(select(Family).order_by(Family.id).limit(4)))
    action = rng.choice(["title", "title", "place", "kind", "pay", "deadline", "family", "programmes",
                         "close", "reopen", "publish", "new", "new", "draft edit", "delete"])
    if action == "title":
        row.title = f"{rng.choice(WORDS)} {rng.choice(WORDS).lower()} {rng.randint(100, 999)}"
    elif action == "place":
        row.department_code, row.province_code = rng.choice(PLACES)
    elif action == "kind":
        row.kind, row.work_mode = rng.choice(KINDS), rng.choice(MODES)
    elif action == "pay":
        row.pay_monthly = rng.choice([None, Decimal("1130"), Decimal("1800"), Decimal("2500")])
    elif action == "deadline":
        row.deadline = rng.choice([None, today() - timedelta(days=2), today() + timedelta(days=rng.randint(0, 90))])
    elif action == "family":
        row.family_id = rng.choice(families).id
        row.programmes = []
    elif action == "programmes":
        row.programmes = rng.sample(list(db.session.scalars(
            select(Programme).where(Programme.family_id == row.family_id))), rng.randint(0, 2))
    elif action == "close":
        row.state = "closed"
    elif action == "reopen":  # a suspension lifted, a closing undone: back in its old place
        closed = [o for o in openings if o.state == "closed"]
        (rng.choice(closed) if closed else row).state = "published"
    elif action == "publish":  # a draft published now: the newest
        drafts = [o for o in openings if o.state == "draft"]
        if drafts:
            draft = rng.choice(drafts)
            draft.state, draft.published_at = "published", datetime.now().replace(microsecond=0)
    elif action == "new":
        factories.opening(row.company, title=f"{rng.choice(WORDS)} nuevo {rng.randint(100, 999)}",
                          department_code=rng.choice(PLACES)[0], family_id=rng.choice(families).id,
                          published_at=datetime.now().replace(microsecond=0) + timedelta(seconds=rng.randint(0, 5)))
    elif action == "draft edit":
        drafts = [o for o in openings if o.state == "draft"]
        if drafts:
            rng.choice(drafts).title = "Borrador en edición"
    elif action == "delete":
        drafts = [o for o in openings if o.state != "published"]  # this world has no applications
        if drafts:
            db.session.delete(rng.choice(drafts))
    db.session.commit()
    return action


@pytest.mark.parametrize("page_bits", [index.PAGE_BITS, 2])
def test_after_random_writes_the_refreshed_index_still_gives_what_sql_gives(app, monkeypatch, page_bits):
    """Writes are applied to the loaded index one opening at a time (not rebuilt): after
    each, the listing must still give exactly the SQL reference's rows, order and count.
    Also with chunks of 4 entries (the world's ~80 positions in ~20 chunks), so that the
    refreshes write into shared and copied chunks and append across their ends."""
    monkeypatch.setattr(index, "PAGE_BITS", page_bits)
    rng = random.Random(20261203)
    _world(rng)
    listing.listing_page(queries.Filters.from_args({"q": "electricista"}), today(), 20)  # loaded, a term remembered
    refreshed = compared = 0
    for step in range(60):
        before = app.extensions["listing_index"]["snapshot"]
        action = _random_write(rng)
        for _ in range(12):
            args = _random_filters(rng)
            fast, reference = _both(args)
            assert fast is not None, args
            items, total = fast
            assert (total, [c.id for c in items]) == (reference.total, [c.id for c in reference.items]), \
                (step, action, args)
            compared += bool(reference.total)
        after = app.extensions["listing_index"]["snapshot"]
        refreshed += after.generation > 0 and after.generation == before.generation + 1
    assert compared > 300
    # Most writes were applied in place (the others: an opening back with a date older than
    # the newest, a company's rename, a write that moved nothing): that path was tested.
    assert refreshed >= 30


def test_a_refresh_re_reads_only_what_changed(app):
    company = factories.company(trade_name="Electro Sur")
    first = factories.opening(company, title="Electricista de planta")
    second = factories.opening(company, title="Soldador homologado")
    assert listing.listing_page(queries.Filters.from_args({"q": "soldador"}), today(), 20)[1] == 1
    held = app.extensions["listing_index"]["snapshot"]

    second.title = "Soldador 6G homologado"
    db.session.commit()
    items, total = listing.listing_page(queries.Filters.from_args({"q": "soldador"}), today(), 20)
    refreshed = app.extensions["listing_index"]["snapshot"]
    assert (refreshed.generation, refreshed.cards is not held.cards) == (1, True)
    assert [c.title for c in items] == ["Soldador 6G homologado"]
    assert held.cards[held.at(second.id)].title == "Soldador homologado"  # the old one is left whole
    assert refreshed.slots is held.slots  # nobody moved: the positions are shared, not copied

    company.trade_name = "Electro Sur Andino"  # on every card of the company: a rebuild
    db.session.commit()
    items, _ = listing.listing_page(queries.Filters.from_args({}), today(), 20)
    assert app.extensions["listing_index"]["snapshot"].generation == 0
    assert {c.company.display_name for c in items} == {"Electro Sur Andino"}
    assert first.id in listing.open_openings(today())


def test_a_refresh_copies_only_the_chunks_it_writes_into(app, monkeypatch):
    """The per-position lists are held in chunks (of 64; here 2): a refresh shares every
    chunk it does not write into with the snapshot before, and that one stays whole."""
    monkeypatch.setattr(index, "PAGE_BITS", 1)
    company = factories.company(trade_name="Electro Sur")
    rows = [factories.opening(company, title=f"Electricista {n}",
                              published_at=datetime(2026, 11, 1) + timedelta(hours=n)) for n in range(6)]
    assert len(listing.open_openings(today())) == 6
    held = app.extensions["listing_index"]["snapshot"]
    assert len(held.cards._chunks) == 3

    rows[2].title = "Soldador 2"  # position 2: the second chunk
    db.session.commit()
    refreshed = listing.open_openings(today())
    snapshot = app.extensions["listing_index"]["snapshot"]
    assert snapshot.generation == 1
    assert refreshed.card(rows[2].id).title == "Soldador 2"
    assert held.cards[held.at(rows[2].id)].title == "Electricista 2"  # the old one is left whole
    assert snapshot.cards.shared_with(held.cards) == 2  # the first and the third chunk
    assert [c.title for c in snapshot.cards] == ["Electricista 0", "Electricista 1", "Soldador 2",
                                                 "Electricista 3", "Electricista 4", "Electricista 5"]
    with pytest.raises(TypeError):  # a snapshot handed out is never written
        snapshot.cards[0] = None

    newest = factories.opening(company, title="Electricista 6", published_at=datetime(2026, 11, 2))
    assert listing.open_openings(today()).card(newest.id).title == "Electricista 6"
    latest = app.extensions["listing_index"]["snapshot"]
    assert (latest.generation, len(latest.cards), latest.at(newest.id)) == (2, 7, 6)
    assert latest.cards.shared_with(snapshot.cards) == 3  # appended in a fourth chunk
    assert snapshot.at(newest.id) is None and len(snapshot.cards) == 6  # the one before, whole


def test_a_refresh_rewrites_only_the_masks_whose_members_changed(app):
    """A title edit leaves every filter mask as the same int (shared, nothing rewritten);
    a move to another province rewrites those provinces' masks and no other; after those
    and after programmes and targets changed, every mask equals a fresh build's. (300
    openings: masks of a few bits would be Python's shared small ints whatever happened.)"""
    company = factories.company(trade_name="Electro Sur")
    first = factories.opening(company, title="Electricista 0", department_code="04", province_code="0401",
                              published_at=datetime(2026, 11, 1))
    fields = {attr.key: getattr(first, attr.key) for attr in inspect(Opening).column_attrs if attr.key != "id"}
    db.session.add_all(Opening(**{**fields, "title": f"Electricista {n}",
                                  "published_at": datetime(2026, 11, 1) + timedelta(minutes=n)}) for n in range(1, 300))
    db.session.commit()
    rows = db.session.scalars(select(Opening).order_by(Opening.published_at)).all()
    assert len(listing.open_openings(today())) == 300
    held = app.extensions["listing_index"]["snapshot"]

    rows[280].title = "Soldador 280"
    db.session.commit()
    listing.open_openings(today())
    titled = app.extensions["listing_index"]["snapshot"]
    assert titled.generation == 1
    assert titled.by.keys() == held.by.keys() and all(titled.by[group] is mask for group, mask in held.by.items())
    assert (titled.everything, titled.names_none, titled.targets_all) == \
        (held.everything, held.names_none, held.targets_all)
    assert titled.everything is held.everything

    rows[290].department_code, rows[290].province_code = "15", "1501"
    db.session.commit()
    listing.open_openings(today())
    moved = app.extensions["listing_index"]["snapshot"]
    assert moved.generation == 2
    rewritten = {group for group, mask in moved.by.items() if titled.by.get(group) is not mask}
    assert rewritten == {("departamento", "04"), ("departamento", "15"), ("provincia", "0401"), ("provincia", "1501")}

    programme = db.session.scalars(select(Programme).where(Programme.family_id == first.family_id)).first()
    rows[270].programmes = [programme]  # names a programme: no longer in "names none"
    rows[271].targets_all_cetpros = False
    db.session.commit()
    listing.open_openings(today())
    rows[270].programmes = []  # and names none again: still open, at the same position
    rows[271].targets_all_cetpros = True
    db.session.commit()
    listing.open_openings(today())
    _same_sets_as_built(app.extensions["listing_index"]["snapshot"], generation=4)

    rows[272].programmes = [programme]
    rows[273].state = "closed"
    db.session.commit()
    listing.open_openings(today())
    _same_sets_as_built(app.extensions["listing_index"]["snapshot"], generation=5)


def _same_sets_as_built(held: index.Snapshot, generation: int) -> None:
    """Every mask of a refreshed snapshot holds the openings a fresh build's holds (compared
    by id: the build gives positions of its own)."""
    assert held.generation == generation
    fresh = index._build(held.version)

    def ids(snapshot, mask):
        return {snapshot.cards[at].id for at in bitsets.members(mask)}

    for made, built in ((held.by, fresh.by), *(({0: getattr(held, name)}, {0: getattr(fresh, name)})
                                               for name in ("everything", "names_none", "targets_all"))):
        assert made.keys() == built.keys()
        assert all(ids(held, made[key]) == ids(fresh, built[key]) for key in made)


def test_mask_of_few_or_many_positions_is_the_plain_int():
    """`mask_of` ORs a few positions in and builds bytes for more: the same int either way,
    also across byte and digit boundaries and with a position given twice."""
    rng = random.Random(18)
    for _ in range(300):
        positions = [rng.randrange(rng.choice([8, 31, 64, 5000])) for _ in range(rng.randint(0, 2 * bitsets.FEW))]
        assert bitsets.mask_of(positions) == sum(1 << at for at in set(positions)), positions
        assert bitsets.mask_of(iter(positions)) == bitsets.mask_of(positions)


def test_paged_lists_read_as_lists_and_copy_on_write():
    values = list(range(11))
    paged = index.Paged.of(values, bits=2)
    assert (list(paged), len(paged), paged[10], paged.take([10, 0, 5])) == (values, 11, 10, [10, 0, 5])
    with pytest.raises(IndexError):
        paged[-1]  # a position is never counted from the end
    edited = paged.edited()
    edited[5] = "five"
    for n in range(11, 14):
        edited.append(n)
    edited.done()
    assert list(edited) == [*range(5), "five", *range(6, 14)]
    assert list(paged) == values and len(paged) == 11
    assert edited.shared_with(paged) == 1  # positions 0–3; 4–7 was written, 8–11 appended to
    mapped = index.PagedMap.of({n: n * 2 for n in range(10)}, bits=2)
    changed = mapped.edited()
    changed[40] = 7
    changed.done()
    assert (changed.get(40), mapped.get(40), changed.get(3), sorted(changed.items())[-1]) == (7, None, 6, (40, 7))


def test_the_sets_by_place_and_work_mode_hold_the_openings_whose_card_says_so(app):
    """`in_department`, `in_province` and `of_work_mode` (a student's recommendations score
    by place with them) against the open openings' cards, built and after writes applied in
    place."""
    rng = random.Random(20261204)
    _world(rng)
    for step in range(25):
        open_now = listing.open_openings(today())
        cards = [card for card, _, _ in open_now.all().openings()]
        assert cards, step
        for field, of in (("department_code", open_now.in_department), ("province_code", open_now.in_province),
                          ("work_mode", open_now.of_work_mode)):
            for value in {*(getattr(card, field) for card in cards), "99", "0499"} - {None}:
                assert {card.id for card, _, _ in of(value).openings()} == \
                    {card.id for card in cards if getattr(card, field) == value}, (step, field, value)
        _random_write(rng)

"""Which writes move the listing's data version (portal/versions.py): only those that can
change what the listing or matching show. Every other write used to make every worker of
every host rebuild its whole index (issue 18)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Date, DateTime, Integer, String, Text

from portal import clock, versions
from portal.extensions import db
from portal.models import Cetpro, Company, Opening
from tests import factories
from tests.helpers.web import HTMX


def _version() -> int:
    return versions.current(db.session, "openings")


def _commit_moves(change) -> bool:
    """Whether committing the change moved the version. Rows are read first, as a request
    reads the row it edits (a row not read since the last commit counts as shown)."""
    before = _version()
    for row in list(db.session.identity_map.values()):
        db.session.refresh(row)
    change()
    db.session.commit()
    return _version() != before


def test_a_drafts_edits_move_nothing_until_it_is_published(app):
    company = factories.company()
    draft = factories.opening(company, state="draft", title="Electricista (borrador)")
    assert not _commit_moves(lambda: setattr(draft, "title", "Electricista de planta"))
    assert not _commit_moves(lambda: setattr(draft, "pay_monthly", 1500))
    assert not _commit_moves(lambda: setattr(draft, "description", "Turno mañana."))
    assert not _commit_moves(lambda: db.session.add(Opening(
        company_id=company.id, title="Otro borrador", description="…", kind="empleo", family_id=draft.family_id,
        work_mode="presencial", vacancies=1)))
    assert _commit_moves(lambda: setattr(draft, "state", "published"))


def test_a_published_or_just_closed_opening_moves_it(app):
    opening = factories.opening()
    assert _commit_moves(lambda: setattr(opening, "title", "Electricista industrial"))
    assert _commit_moves(lambda: setattr(opening, "pay_monthly", 1800))
    assert _commit_moves(lambda: setattr(opening, "state", "closed"))
    # Closed before and after: off the listing either way.
    assert not _commit_moves(lambda: setattr(opening, "description", "Cerrada por cobertura."))


def test_an_opening_whose_state_was_not_read_is_read_by_the_flush_or_counts_as_shown(app):
    draft = factories.opening(state="draft")
    # Its state was not read before the edit: the flush reads an expired row before
    # writing it, and the version follows what it read (a draft: nothing moves).
    db.session.expire(draft, ["state"])
    before = _version()
    draft.title = "Sin leer"
    db.session.commit()
    assert _version() == before
    opening = factories.opening()  # a state set without being read: it was published
    before = _version()
    opening.state = "closed"
    db.session.commit()
    assert _version() == before + 1


def test_a_drafts_requirements_move_nothing(app):
    from portal.models import OpeningRequirement

    draft = factories.opening(state="draft")
    module = factories.programme().modules[0]
    assert not _commit_moves(lambda: db.session.add(OpeningRequirement(opening_id=draft.id, module_id=module.id)))
    published = factories.opening()
    assert _commit_moves(lambda: db.session.add(OpeningRequirement(opening_id=published.id, module_id=module.id)))


def test_a_companys_phone_moves_nothing_and_its_name_does(app):
    company = factories.company(trade_name="Electro Sur")
    factories.opening(company)
    assert not _commit_moves(lambda: setattr(company, "phone", "987654321"))
    assert not _commit_moves(lambda: setattr(company, "trade_name", "Electro Sur"))  # the same name again
    assert _commit_moves(lambda: setattr(company, "trade_name", "Electro Sur Andino"))
    assert _commit_moves(lambda: setattr(company, "verification_state", "unverified"))


def _another(model, column: str, row, other_user_id: int):
    """A new valid value for the column, unlike the current one."""
    col = model.__table__.c[column]
    current = getattr(row, column)
    if col.foreign_keys:
        return other_user_id if current != other_user_id else None
    if isinstance(col.type, DateTime):
        return datetime(2025, 1, 2, 3, 4) if current != datetime(2025, 1, 2, 3, 4) else clock.utcnow()
    if isinstance(col.type, Date):
        return date(2025, 1, 2)
    if isinstance(col.type, Integer):
        return (current or 0) + 1
    if isinstance(col.type, (String, Text)):
        length = getattr(col.type, "length", None) or 40
        digits = {"ruc": "20100070970", "codigo_modular": "7654321", "department_code": "15",
                  "province_code": "1501", "district_code": "150101", "phone": "912345678",
                  "management": "privada" if current != "privada" else "publica"}
        value = digits.get(column, "Cambiado soldadura")[:length]
        return value if value != current or column == "management" else value[::-1]
    raise AssertionError(f"no test value for {model.__tablename__}.{column} ({col.type})")


@pytest.mark.parametrize("model", [Company, Cetpro], ids=["companies", "cetpros"])
def test_each_unseen_column_really_is_unseen(client, auth, model):
    """Derived, not hand-kept: change each column the version ignores, then compare what
    the worker's index (not rebuilt) answers with what a fresh build answers, for the
    listing, a search by the new value, and a student's recommendations. Reading one of
    them in the index or the search someday makes this fail until it leaves UNSEEN."""
    cetpro = factories.cetpro(name="CETPRO Misti")
    company = factories.company(trade_name="Electro Sur")
    company.verification_state, company.decided_by_admin = "verified", True
    opening = factories.opening(company, title="Electricista de planta", targets_all_cetpros=False)
    opening.cetpros = [cetpro]
    db.session.commit()
    student = factories.student(cetpro, opening.programmes[0] if opening.programmes else None)
    admin = factories.admin()
    auth.login(student)
    row = company if model is Company else cetpro
    assert set(versions.UNSEEN[model.__tablename__]) <= set(model.__table__.c.keys())

    def seen(words: str) -> list[str]:
        recommended = client.get("/estudiante/recomendadas").get_data(as_text=True)
        return [client.get("/ofertas", headers=HTMX).get_data(as_text=True),
                client.get("/ofertas", query_string={"q": words}, headers=HTMX).get_data(as_text=True),
                recommended[recommended.index('<section id="recommendations"'):recommended.index("</main>")]]

    for column in sorted(versions.UNSEEN[model.__tablename__]):
        seen("soldadura")  # the index is loaded at the current version
        value = _another(model, column, row, admin.id)
        assert not _commit_moves(lambda column=column, value=value: setattr(row, column, value)), column
        words = value if isinstance(value, str) else "soldadura"
        cached = seen(words)
        versions.bump(db.session, "openings")
        db.session.commit()
        assert cached == seen(words), f"{model.__tablename__}.{column} is read by the listing or matching"


def test_an_edit_form_saved_as_it_was_moves_nothing(client, auth):
    """An employer pressing «Guardar» without a change rewrote the opening's requirements
    and made every worker rebuild; a real change still moves the version."""
    from werkzeug.datastructures import MultiDict

    from bench.run import form_fields

    employer = factories.employer(factories.company(verified=True))
    opening = factories.opening(employer.membership.company, title="Electricista de obra", required_modules=2)
    auth.login(employer)
    path = f"/empresa/ofertas/{opening.id}/editar"

    def save(**changes) -> bool:
        fields = MultiDict(form_fields(client.get(path).get_data(as_text=True), "opening-form"))
        for name, value in changes.items():
            fields.setlist(name, value)
        before = _version()
        assert client.post(path, data=fields).status_code == 303
        db.session.expire_all()
        return _version() != before

    assert not save()
    assert not save()
    required = [str(m.id) for m in factories.programme().modules[:1]]
    assert save(required_module_ids=required)
    assert [r.module_id for r in db.session.get(Opening, opening.id).requirements if r.required] == [int(required[0])]
    assert save(title=["Electricista de obra (urgente)"])


# --- What each move changed (the log a worker refreshes from) --------------------------------


def test_each_move_logs_the_openings_it_changed(app):
    company = factories.company()
    first, second = factories.opening(company, title="Electricista"), factories.opening(company, title="Soldador")
    start = _version()
    first.title = "Electricista de planta"
    second.deadline = None
    db.session.commit()
    second.programmes = [factories.programme()]
    db.session.commit()
    assert versions.changes(db.session, "openings", start, _version()) == {first.id, second.id}
    assert versions.changes(db.session, "openings", start + 1, _version()) == {second.id}

    company.trade_name = "Electro Norte"  # on every card of the company: "anything"
    db.session.commit()
    assert versions.changes(db.session, "openings", start, _version()) is versions.ANYTHING


def test_a_trimmed_log_or_a_large_change_says_anything(app, monkeypatch):
    monkeypatch.setattr(versions, "KEEP", 3)
    monkeypatch.setattr(versions, "TRIM_EVERY", 1)
    opening = factories.opening(title="Electricista")
    start = _version()
    for n in range(5):
        opening.title = f"Electricista {n}"
        db.session.commit()
    end = _version()
    assert versions.changes(db.session, "openings", end - 2, end) == {opening.id}
    assert versions.changes(db.session, "openings", start, end) is versions.ANYTHING  # trimmed past it

    monkeypatch.setattr(versions, "LOGGED_IDS", 1)
    other = factories.opening(title="Soldador")
    before = _version()
    opening.title, other.title = "Electricista", "Soldador 6G"
    db.session.commit()
    assert versions.changes(db.session, "openings", before, _version()) is versions.ANYTHING

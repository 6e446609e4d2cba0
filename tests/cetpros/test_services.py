"""CETPRO records (portal/cetpros/services.py): create, edit, deactivate; every rule in Spanish,
a bad input changes nothing, every change audited; and the choice lists that leave out a
deactivated CETPRO while old records keep it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts import queries as account_queries
from portal.cetpros import queries, services
from portal.convenios import queries as convenio_queries
from portal.extensions import db
from portal.models import AuditEvent, Cetpro, Programme
from portal.openings import choices as opening_choices
from portal.paging import QueryFilters
from portal.reports import filters as report_filters
from tests import factories


def data(**changes) -> services.CetproData:
    values = dict(codigo_modular="0512345", name="CETPRO San Martín de Porres", management="publica",
                  ugel="UGEL 02 Rímac", department_code="15", province_code="1501", district_code="150135")
    values.update(changes)
    return services.CetproData(**values)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_create_keeps_every_field_and_is_audited(app):
    admin = factories.admin()
    programmes = list(db.session.scalars(select(Programme).order_by(Programme.id).limit(2)))
    cetpro = services.create(data(codigo_modular=" 0512 345", name="  CETPRO   San Martín  ",
                                  programme_ids=[p.id for p in programmes]), admin)
    assert (cetpro.codigo_modular, cetpro.name, cetpro.management, cetpro.ugel) == (
        "0512345", "CETPRO San Martín", "publica", "UGEL 02 Rímac")
    assert (cetpro.department_code, cetpro.province_code, cetpro.district_code) == ("15", "1501", "150135")
    assert cetpro.active and {p.id for p in cetpro.programmes} == {p.id for p in programmes}
    [event] = events("cetpro.created")
    assert event.actor_id == admin.id and event.object_id == cetpro.id


@pytest.mark.parametrize("code", ["", "123456", "12345678", "05123A5", "0512-345", "１２３４５６７"])
def test_codigo_modular_must_be_seven_digits(app, code):
    with pytest.raises(services.CetproError) as raised:
        services.create(data(codigo_modular=code), None)
    assert raised.value.errors["codigo_modular"].startswith("El código modular tiene 7 dígitos")
    assert count(Cetpro) == 0


def test_codigo_modular_taken_names_the_cetpro_that_has_it(app):
    factories.cetpro(name="CETPRO Misti", codigo_modular="0512345", active=False)
    with pytest.raises(services.CetproError) as raised:
        services.create(data(), None)
    assert raised.value.errors == {"codigo_modular": (
        "El código modular 0512345 ya es de CETPRO Misti (desactivado). Cada CETPRO tiene un código modular "
        "propio: revisa el número en ESCALE del Minedu.")}
    assert count(Cetpro) == 1 and not events("cetpro.created")


@pytest.mark.parametrize("changes, field, message", [
    ({"name": " "}, "name", "Escribe el nombre del CETPRO."),
    ({"management": "mixta"}, "management", "Elige si la gestión es pública o privada."),
    ({"department_code": "", "province_code": "", "district_code": ""}, "department_code",
     "Elige el departamento del CETPRO."),
    ({"province_code": "", "district_code": ""}, "province_code", "Elige la provincia del CETPRO."),
    ({"department_code": "99"}, "department_code", "Elige un departamento de la lista."),
    ({"province_code": "0401", "district_code": ""}, "province_code", "Elige una provincia de Lima"),
    ({"district_code": "040101"}, "district_code", "Elige un distrito de Lima"),
    ({"programme_ids": [10**6]}, "programme_ids", "Elige programas del catálogo."),
    ({"ugel": "U" * 121}, "ugel", "La UGEL o DRE tiene como máximo 120 caracteres."),
])
def test_bad_data_is_refused_in_spanish_and_changes_nothing(app, changes, field, message):
    with pytest.raises(services.CetproError) as raised:
        services.create(data(**changes), None)
    assert raised.value.errors[field].startswith(message)
    assert count(Cetpro) == 0 and count(AuditEvent) == 0


def test_update_audits_what_changed(app):
    admin = factories.admin()
    cetpro = services.create(data(), admin)
    programme = db.session.scalar(select(Programme).limit(1))
    changed = services.update(cetpro, data(name="CETPRO Rímac", management="privada", programme_ids=[programme.id],
                                           district_code=""), admin)
    assert changed == ["name", "management", "district_code", "programme_ids"]
    assert cetpro.name == "CETPRO Rímac" and cetpro.district_code is None and cetpro.programmes == [programme]
    [event] = events("cetpro.updated")
    assert event.data["changes"]["name"] == ["CETPRO San Martín de Porres", "CETPRO Rímac"]
    assert services.update(cetpro, data(name="CETPRO Rímac", management="privada", programme_ids=[programme.id],
                                        district_code=""), admin) == []
    assert len(events("cetpro.updated")) == 1


def test_update_may_keep_its_own_codigo_but_not_take_another(app):
    admin = factories.admin()
    factories.cetpro(codigo_modular="0600001", name="CETPRO Otro")
    cetpro = services.create(data(), admin)
    assert services.update(cetpro, data(ugel="DRE Lima Metropolitana"), admin) == ["ugel"]
    with pytest.raises(services.CetproError) as raised:
        services.update(cetpro, data(codigo_modular="0600001"), admin)
    assert "ya es de CETPRO Otro" in raised.value.errors["codigo_modular"]
    db.session.expire_all()
    assert db.session.get(Cetpro, cetpro.id).codigo_modular == "0512345"


def test_deactivate_and_reactivate_are_audited_once(app):
    admin = factories.admin()
    cetpro = services.create(data(), admin)
    assert services.set_active(cetpro, False, admin) is True
    assert services.set_active(cetpro, False, admin) is False
    assert services.set_active(cetpro, True, admin) is True
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == [
        "cetpro.created", "cetpro.deactivated", "cetpro.reactivated"]


def test_a_deactivated_cetpro_leaves_every_choice_list_but_keeps_its_students(app):
    kept = factories.cetpro(name="CETPRO Sigue", department="15", province="1501")
    gone = factories.cetpro(name="CETPRO Cierra", department="15", province="1501")
    student = factories.student(gone)
    services.set_active(gone, False, factories.admin())
    lists = {
        "registration": [label for _, label in account_queries.cetpro_choices()],
        "opening targets": [c.label for c in opening_choices.cetpros()],
        "convenio partners": [label for _, label in convenio_queries.cetpro_choices()],
        "report filter": [name for _, name in report_filters.cetpros_in("15")],
    }
    for where, names in lists.items():
        assert any("CETPRO Sigue" in n for n in names), where
        assert not any("CETPRO Cierra" in n for n in names), where
    db.session.expire_all()
    assert student.student.cetpro.name == "CETPRO Cierra"  # old records keep its name
    assert kept.active


def test_search_by_name_code_region_and_state(app):
    services.create(data(), None)
    services.create(data(codigo_modular="0400001", name="CETPRO Misti", ugel="UGEL Arequipa Norte",
                         department_code="04", province_code="0401", district_code=""), None)
    closed = services.create(data(codigo_modular="0400002", name="CETPRO Cerrado", department_code="04",
                                  province_code="0401", district_code=""), None)
    services.set_active(closed, False, factories.admin())

    def names(**args) -> list[str]:
        return [c.name for c in queries.search(queries.ListFilters.from_args(args)).items]

    assert names() == ["CETPRO Misti", "CETPRO San Martín de Porres"]
    assert names(q="0512") == ["CETPRO San Martín de Porres"]
    assert names(q="arequipa") == ["CETPRO Misti"]
    assert names(q="misti") == ["CETPRO Misti"]
    assert names(q="rímac") == ["CETPRO San Martín de Porres"]  # its UGEL
    assert names(estado="inactivos") == ["CETPRO Cerrado"]
    assert names(estado="todos", q="arequipa") == ["CETPRO Cerrado", "CETPRO Misti"]
    assert names(q="100%_") == []
    assert isinstance(queries.ListFilters.from_args({}), QueryFilters)


def test_search_pages_by_twenty(app):
    for n in range(queries.PER_PAGE + 3):
        factories.cetpro(name=f"CETPRO {n:02d}")
    first = queries.search(queries.ListFilters.from_args({}))
    second = queries.search(queries.ListFilters.from_args({"pagina": "2"}))
    assert first.total == second.total == 23 and len(first.items) == 20 and len(second.items) == 3

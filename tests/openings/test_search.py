"""Text search: accent- and case-insensitive, by prefix, over title, description, company,
family and programmes, kept in sync by the database (FTS5 on SQLite, tsvector on PostgreSQL)."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, select, update

from portal.extensions import db
from portal.models import Company, Programme, opening_programmes
from portal.openings import queries, search
from tests import factories


def found(q: str, **args) -> list[str]:
    page = queries.search_openings(queries.Filters.from_args({"q": q, **args}))
    return sorted(card.title for card in page.items)


@pytest.mark.parametrize("query, expected", [
    ("Mecánica automotriz", ["mecanica", "automotriz"]),
    ("  ELECTRICISTA,   Ñaña!  ", ["electricista", "nana"]),
    ('"electri"* OR NEAR(a b) -x', ["electri", "or", "near"]),
    ("a:* & b | !c", []),
    ("e", []),  # a single letter would match almost everything: it is not searched
    ("uno dos tres cuatro cinco seis siete ocho nueve", ["uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho"]),
])
def test_words_are_folded_and_stripped_of_search_syntax(query, expected):
    assert search.words(query) == expected


def test_search_ignores_case_and_accents_and_matches_prefixes(app):
    cars = factories.opening(title="Técnico en Mecánica Automotriz", description="Mantenimiento de vehículos livianos.")
    factories.opening(title="Electricista industrial", description="Tableros y motores.")
    kitchen = factories.opening(title="Ayudante de cocina", description="Preparación de menús.")
    cars.family_id = factories.family("Mecánica y Motores").id
    kitchen.family_id = factories.family("Hostelería y Turismo").id
    db.session.commit()
    assert found("mecanica") == ["Técnico en Mecánica Automotriz"]
    assert found("MECÁNICA") == ["Técnico en Mecánica Automotriz"]
    assert found("tecnico") == ["Técnico en Mecánica Automotriz"]
    assert found("electri") == ["Electricista industrial"]  # a prefix, as the person types
    assert found("vehiculo") == ["Técnico en Mecánica Automotriz"]  # description
    assert found("cocina menus") == ["Ayudante de cocina"]  # every word must match
    assert found("cocina motores") == []


def test_search_covers_company_family_and_programmes(app):
    shop = factories.company(legal_name="Inversiones Huancahuasi S.A.C.", trade_name="Taller El Rayo")
    factories.opening(shop, title="Soldador", description="Estructuras metálicas.")
    chef = factories.opening(title="Cocinero", description="Menú ejecutivo.")
    chef.family_id = factories.family("Hostelería y Turismo").id
    chef.programmes = [factories.programme("Cocina")]
    db.session.commit()
    assert found("huancahuasi") == ["Soldador"]  # razón social
    assert found("rayo") == ["Soldador"]  # nombre comercial
    assert found("hosteleria") == ["Cocinero"]  # family
    assert found("cocina") == ["Cocinero"]  # accepted programme


def test_the_index_follows_every_write(app):
    company = factories.company(legal_name="Constructora Andina S.A.C.")
    opening = factories.opening(company, title="Albañil", description="Obra en Yanahuara.")
    programme = db.session.scalar(select(Programme).where(Programme.family_id == opening.family_id))
    programme_name = programme.name  # reference data outlives the test: put it back at the end

    opening.title = "Operario de construcción"
    db.session.commit()
    assert found("albanil") == [] and found("operario") == ["Operario de construcción"]

    opening.description = "Obra en Cayma."
    db.session.commit()
    assert found("yanahuara") == [] and found("cayma") == ["Operario de construcción"]

    # Renaming the company (a Core UPDATE, as any write path might do) reaches its openings.
    db.session.execute(update(Company).where(Company.id == company.id).values(trade_name="Andes Obras"))
    db.session.commit()
    assert found("andes obras") == ["Operario de construcción"]

    db.session.execute(opening_programmes.insert().values(opening_id=opening.id, programme_id=programme.id))
    db.session.commit()
    word = search.words(programme_name)[-1]
    assert "Operario de construcción" in found(word)
    try:
        db.session.execute(update(Programme).where(Programme.id == programme.id).values(name="Programa Xyzzy"))
        db.session.commit()
        assert found("xyzzy") == ["Operario de construcción"]
        db.session.execute(delete(opening_programmes).where(opening_programmes.c.opening_id == opening.id))
        db.session.commit()
        assert found("xyzzy") == []
    finally:
        db.session.rollback()
        db.session.execute(update(Programme).where(Programme.id == programme.id).values(name=programme_name))
        db.session.commit()

    db.session.delete(opening)
    db.session.commit()
    assert found("operario") == []


def test_search_syntax_in_the_query_is_harmless(client):
    factories.opening(title="Electricista")
    for q in ['"', "electri*", 'NEAR("a" "b")', "a:* & !b | (c", "AND OR NOT", "'; DROP TABLE openings; --", "%_%"]:
        response = client.get("/ofertas", query_string={"q": q})
        assert response.status_code == 200, q


def test_the_search_migration_downgrades_and_upgrades_again(app):
    factories.opening(title="Gasfitero")
    downgrade(revision="0001")
    upgrade()
    assert found("gasfit") == ["Gasfitero"]  # the upgrade indexes what was already there

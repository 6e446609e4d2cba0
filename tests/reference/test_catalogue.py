"""Catalogue services: add, rename, reorder, retire (old records keep the item, choice lists
lose it), restore, and merges that move every reference in one transaction."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import versions
from portal.accounts import queries as account_queries
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Module,
    Opening,
    OpeningRequirement,
    Programme,
    StudentProfile,
    StudentSkill,
    opening_programmes,
)
from portal.openings import choices
from portal.openings import queries as opening_queries
from portal.openings import services as opening_services
from portal.profiles import queries as profile_queries
from portal.reference import catalogue, merging
from portal.roster import imports
from portal.roster import queries as roster_queries
from portal.skills import normalize_skill
from tests import factories
from tests.helpers.catalogue import restored_catalogue


@pytest.fixture(autouse=True)
def restore(app):
    with restored_catalogue():
        yield


@pytest.fixture
def admin(app):
    return factories.admin()


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _programme_ids_offered() -> set[int]:
    registration = {i for group in account_queries.programme_choices().values() for i, _ in group}
    profile = {i for _, group in profile_queries.programme_choices() for i, _ in group}
    roster = {pid for pid, _, _ in imports.load_reference().programmes.values()}
    assert registration == profile == roster
    return registration


def test_add_rename_and_reorder_are_audited(admin):
    family = catalogue.add_family(admin, "  Energías   Renovables ")
    assert family.name == "Energías Renovables"
    programme = catalogue.add_programme(admin, family, "Instalación de paneles solares", "auxiliar_tecnico")
    first = catalogue.add_module(admin, programme, "Montaje de paneles")
    second = catalogue.add_module(admin, programme, "Mantenimiento de sistemas fotovoltaicos")
    assert catalogue.move(admin, second, -1) and not catalogue.move(admin, second, -1)
    assert [m.name for m in db.session.scalars(select(Module).where(Module.programme_id == programme.id)
                                               .order_by(Module.position))] == [second.name, first.name]
    catalogue.rename(admin, programme, "Instalaciones solares", "tecnico")
    assert (programme.name, programme.level) == ("Instalaciones solares", "tecnico")
    assert _actions() == ["catalogue.family_added", "catalogue.programme_added", "catalogue.module_added",
                          "catalogue.module_added", "catalogue.module_moved", "catalogue.programme_renamed"]


@pytest.mark.parametrize("name, message", [
    ("", "Escribe el nombre."),
    ("x" * 161, "hasta 160 caracteres"),
    ("ELECTRONICA", "Ya existe «Electrónica»"),  # case and accents aside
])
def test_a_bad_name_changes_nothing(admin, name, message):
    programme = factories.programme()
    before = programme.name
    with pytest.raises(catalogue.CatalogueError, match=message):
        catalogue.rename(admin, programme, name)
    db.session.rollback()
    assert db.session.get(Programme, programme.id).name == before
    assert _actions() == []


def test_a_bad_level_is_refused(admin):
    with pytest.raises(catalogue.CatalogueError, match="Elige el nivel"):
        catalogue.add_programme(admin, factories.family(), "Domótica", "experto")


def test_a_retired_programme_stays_on_records_and_leaves_every_choice_list(admin):
    programme = factories.programme()
    user = factories.student(programme_row=programme)
    opening = factories.opening()
    opening.programmes = [programme]
    db.session.commit()
    assert programme.id in _programme_ids_offered()

    catalogue.retire(admin, programme)

    assert programme.id not in _programme_ids_offered()
    assert programme.id not in {i for i, _ in opening_queries.programme_choices(programme.family_id)}
    assert programme not in choices.programmes_of(programme.family_id)
    assert programme.id not in {m.programme_id for m in choices.modules_of(programme.family_id)}
    assert programme.name not in {name for name, _ in roster_queries.template_reference()}
    # Old records keep it, and their own forms still offer it.
    db.session.expire_all()
    assert db.session.get(StudentProfile, user.student.id).programme_id == programme.id
    assert db.session.get(Opening, opening.id).programmes == [programme]
    assert programme.id in {i for _, group in profile_queries.programme_choices(keep=programme.id) for i, _ in group}
    held = choices.Held.of(db.session.get(Opening, opening.id))
    assert programme in choices.programmes_of(programme.family_id, held.programmes)
    # A shared /ofertas link filtering by it keeps its select.
    assert programme.id in {i for i, _ in opening_queries.programme_choices(programme.family_id, programme.id)}

    catalogue.restore(admin, programme)
    assert programme.id in _programme_ids_offered()
    assert _actions()[-2:] == ["catalogue.programme_retired", "catalogue.programme_restored"]


def test_a_retired_family_takes_its_programmes_and_modules_off_the_lists(admin):
    family = factories.family()
    catalogue.retire(admin, family)
    offered = _programme_ids_offered()
    assert not offered & {p.id for p in family.programmes}
    assert family.id not in {i for i, _ in opening_queries.family_choices()}
    assert family.id in {i for i, _ in opening_queries.family_choices(keep=family.id)}


def test_a_retired_module_leaves_the_profile_form_but_a_student_who_holds_it_keeps_it(admin):
    programme = factories.programme()
    user = factories.student(programme_row=programme, modules=1)
    held = programme.modules[0]
    catalogue.retire(admin, held)
    assert held not in profile_queries.programme_modules(programme.id)
    assert held in profile_queries.programme_modules(programme.id, keep=[held.id])
    assert held.id not in imports.load_reference().modules[programme.id].values()
    assert [m.id for m in db.session.get(StudentProfile, user.student.id).modules] == [held.id]


def test_a_merged_programme_cannot_be_restored(admin):
    merged, kept = factories.programme(), factories.programme("Electrónica")
    merging.merge_programmes(admin, merged, kept)
    with pytest.raises(catalogue.CatalogueError, match="se fusionó"):
        catalogue.restore(admin, db.session.get(Programme, merged.id))


def _count(table, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(table).where(*where))


def test_merging_programmes_moves_every_reference(admin):
    family = factories.family()
    kept = factories.programme()
    merged = catalogue.add_programme(admin, family, "Electricidad industrial", "tecnico")
    twin = catalogue.add_module(admin, merged, kept.modules[0].name.upper())  # the same module, typed again
    own = catalogue.add_module(admin, merged, "Motores trifásicos")
    both = factories.student(programme_row=kept, modules=1)  # holds kept.modules[0]
    moved = factories.student(programme_row=merged, modules=0)
    for user in (both, moved):
        db.session.get(StudentProfile, user.student.id).modules.append(twin)
    db.session.commit()
    opening = factories.opening(required_modules=0)
    opening.programmes = [merged, kept]
    other = factories.opening(required_modules=0)
    other.programmes = [merged]
    db.session.commit()

    preview = merging.preview_programmes(merged, kept)
    assert preview.moves["student_profiles"] == 1 and preview.moves["opening_programmes"] == 2
    assert preview.repeats["opening_programmes"] == 1 and preview.repeats["student_modules"] == 1
    assert preview.modules_moved == ["Motores trifásicos"]
    assert preview.modules_merged == [(twin.name, kept.modules[0].name)]

    merging.merge_programmes(admin, merged, kept)

    assert _count(StudentProfile, StudentProfile.programme_id == merged.id) == 0
    assert db.session.get(StudentProfile, moved.student.id).programme_id == kept.id
    assert _count(opening_programmes, opening_programmes.c.programme_id == merged.id) == 0
    assert [p.id for p in db.session.get(Opening, opening.id).programmes] == [kept.id]
    assert [p.id for p in db.session.get(Opening, other.id).programmes] == [kept.id]
    assert [m.id for m in db.session.get(StudentProfile, moved.student.id).modules] == [kept.modules[0].id]
    assert [m.id for m in db.session.get(StudentProfile, both.student.id).modules] == [kept.modules[0].id]
    assert db.session.get(Module, own.id).programme_id == kept.id
    merged, twin = db.session.get(Programme, merged.id), db.session.get(Module, twin.id)
    assert merged.retired_at and merged.merged_into_id == kept.id
    assert twin.retired_at and twin.merged_into_id == kept.modules[0].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "catalogue.programme_merged"))
    assert event.actor_id == admin.id and event.data["into_id"] == kept.id and event.data["moved"]["student_profiles"] == 1


def test_a_merge_is_all_or_nothing(admin, monkeypatch):
    merged, kept = factories.programme(), factories.programme("Electrónica")
    user = factories.student(programme_row=merged)
    opening = factories.opening(required_modules=1)
    opening.programmes = [merged]
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(merging, "audit", broken)  # the last step fails: nothing before it may stay
    with pytest.raises(RuntimeError):
        merging.merge_programmes(admin, merged, kept)
    db.session.expire_all()
    assert db.session.get(StudentProfile, user.student.id).programme_id == merged.id
    assert [p.id for p in db.session.get(Opening, opening.id).programmes] == [merged.id]
    assert db.session.get(Opening, opening.id).requirements[0].module.programme_id == merged.id
    assert db.session.get(Programme, merged.id).merged_into_id is None
    assert _count(Module, Module.programme_id == merged.id, Module.merged_into_id.is_(None)) == len(merged.modules)


def test_merging_two_modules_of_a_programme(admin):
    programme = factories.programme()
    kept, merged = programme.modules[0], programme.modules[1]
    user = factories.student(programme_row=programme, modules=2)  # holds both
    opening = factories.opening(required_modules=0)
    opening.requirements.append(OpeningRequirement(module_id=merged.id))
    db.session.commit()
    merging.merge_modules(admin, merged, kept)
    assert [m.id for m in db.session.get(StudentProfile, user.student.id).modules] == [kept.id]
    assert [r.module_id for r in db.session.get(Opening, opening.id).requirements] == [kept.id]
    with pytest.raises(catalogue.CatalogueError, match="mismo programa"):
        merging.preview_modules(kept, factories.programme("Electrónica").modules[0])


def test_merging_two_free_skills(admin):
    one = factories.student()
    two = factories.student()
    for user, names in ((one, ["Soldadura MIG", "Soldadura eléctrica"]), (two, ["soldadura  mig"])):
        for name in names:
            db.session.add(StudentSkill(student_id=user.student.id, name=name,
                                        normalized=normalize_skill(name)))
    db.session.commit()
    opening = factories.opening(required_modules=0)
    opening.requirements.append(OpeningRequirement(skill="Soldadura MIG", skill_normalized="soldadura mig"))
    db.session.commit()
    version = versions.current(db.session, "openings")
    preview = merging.preview_skills("Soldadura MIG", "Soldadura eléctrica")
    assert preview.moves["student_skills"] == 2 and preview.repeats["student_skills"] == 1
    assert preview.moves["opening_requirements"] == 1
    merging.merge_skills(admin, "Soldadura MIG", "Soldadura eléctrica")
    assert versions.current(db.session, "openings") > version  # the listing and matching rebuild
    assert [r.skill for r in db.session.get(Opening, opening.id).requirements] == ["Soldadura eléctrica"]
    rows = set(db.session.execute(select(StudentSkill.student_id, StudentSkill.name)).all())
    assert rows == {(one.student.id, "Soldadura eléctrica"), (two.student.id, "Soldadura eléctrica")}
    assert "catalogue.skill_merged" in _actions()
    with pytest.raises(catalogue.CatalogueError, match="Nadie usa"):
        merging.preview_skills("Soldadura MIG", "Soldadura eléctrica")


def test_the_opening_services_refuse_a_retired_programme_unless_the_opening_holds_it(admin):
    programme = factories.programme()
    employer = factories.employer()
    opening = factories.opening(employer.membership.company, state="draft")
    opening.programmes = [programme]
    db.session.commit()
    catalogue.retire(admin, programme)
    data = opening_services.data_of(opening)
    assert data.programme_ids == [programme.id]
    opening_services.update_opening(opening, employer, data, opening.version)  # it holds it: kept
    with pytest.raises(opening_services.OpeningError) as refused:
        opening_services.create_draft(opening.company, employer, data)
    assert refused.value.problems["programme_ids"] == ["Elegiste un programa que ya no se ofrece: quítalo."]

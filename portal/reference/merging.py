"""Merging two catalogue items (or two free skills) that mean the same thing.

Every row that refers to the merged item moves to the kept one, in one transaction with
the audit event: found through the foreign keys of the schema, not a list kept by hand,
so a table added later (a CETPRO's programmes, a certificate) moves too. Where a row would
then repeat one the kept item already has (a student who holds both modules, an opening
that accepts both programmes), the repeat is dropped instead. The merged item is retired
and remembers the kept one (`merged_into_id`); records never lose it.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Column, Table, UniqueConstraint, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from portal import clock
from portal.audit import audit
from portal.extensions import db
from portal.models import Module, OpeningRequirement, Programme, StudentSkill, User
from portal.reference.catalogue import CatalogueError
from portal.skills import normalize_skill

# How the preview names the rows that move; a table not listed here is shown by its name.
TABLE_WORDS = {
    "student_profiles": "estudiantes con este programa",
    "opening_programmes": "ofertas que aceptan este programa",
    "student_modules": "estudiantes con este módulo certificado",
    "opening_requirements": "requisitos de ofertas",
    "programmes": "programas fusionados antes con este",
    "modules": "módulos fusionados antes con este",
    "cetpro_programmes": "CETPRO que enseñan este programa",
    "student_skills": "estudiantes con esta habilidad",
}


@dataclass
class Preview:
    """What a merge would do: rows that move and repeats dropped, per table."""

    moves: dict[str, int] = field(default_factory=dict)
    repeats: dict[str, int] = field(default_factory=dict)
    modules_moved: list[str] = field(default_factory=list)  # a programme merge: modules that change programme
    modules_merged: list[tuple[str, str]] = field(default_factory=list)  # (merged, kept) by name
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[tuple[str, int]]:
        return [(TABLE_WORDS.get(t, t), n) for t, n in self.moves.items() if n]

    def repeat_lines(self) -> list[tuple[str, int]]:
        return [(TABLE_WORDS.get(t, t), n) for t, n in self.repeats.items() if n]

    @property
    def total(self) -> int:
        return sum(self.moves.values())


def _referring(table: Table, skip: set[Column]) -> list[Column]:
    """Every column of the schema with a foreign key to `table`."""
    found = []
    for other in db.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is table and fk.parent not in skip:
                found.append(fk.parent)
    return found


def _unique_sets(column: Column) -> list[list[Column]]:
    """The other columns of each unique key of `column`'s table that contains it."""
    table = column.table
    keys = [list(table.primary_key.columns)]
    keys += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [list(i.columns) for i in table.indexes if i.unique]
    return [[c for c in key if c is not column] for key in keys if column in key and len(key) > 1]


def _repeats(column: Column, merged: int, kept: int):
    """The WHERE of rows holding `merged` that would repeat a row holding `kept`."""
    conditions = []
    for others in _unique_sets(column):
        twin = aliased(column.table)
        conditions.append(exists().where(
            twin.c[column.name] == kept,
            *[twin.c[c.name].is_not_distinct_from(c) for c in others]))
    if not conditions:
        return None
    return and_(column == merged, or_(*conditions))


def _count(table: Table, where) -> int:
    return db.session.scalar(select(func.count()).select_from(table).where(where)) or 0


def _plan(table: Table, merged: int, kept: int, skip: set[Column], preview: Preview) -> None:
    for column in _referring(table, skip):
        name = column.table.name
        preview.moves[name] = preview.moves.get(name, 0) + _count(column.table, column == merged)
        if (repeats := _repeats(column, merged, kept)) is not None:
            preview.repeats[name] = preview.repeats.get(name, 0) + _count(column.table, repeats)


def _move(table: Table, merged: int, kept: int, skip: set[Column]) -> None:
    for column in _referring(table, skip):
        if (repeats := _repeats(column, merged, kept)) is not None:
            db.session.execute(delete(column.table).where(repeats))
        db.session.execute(update(column.table).where(column == merged).values({column.name: kept}))


@contextmanager
def _one_transaction() -> Iterator[None]:
    """Every row a merge moves commits together with its audit event, or none does (the
    error goes on). Then the session forgets what it loaded: rows moved under the ORM's feet."""
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire_all()


def _same_name(module: Module, kept: Programme) -> Module | None:
    wanted = normalize_skill(module.name)
    return next((m for m in kept.modules if normalize_skill(m.name) == wanted), None)


# --- Programmes and modules --------------------------------------------------------------------


def _check(merged, kept) -> None:
    if merged.id == kept.id:
        raise CatalogueError("Elige dos elementos distintos: uno se fusiona con el otro.", "kept_id")
    if kept.merged_into_id is not None:
        raise CatalogueError(f"«{kept.name}» ya se fusionó con otro: elige el que quedó.", "kept_id")
    if merged.merged_into_id is not None:
        raise CatalogueError(f"«{merged.name}» ya se fusionó con otro.", "kept_id")


def preview_programmes(merged: Programme, kept: Programme) -> Preview:
    _check(merged, kept)
    preview = Preview()
    _plan(Programme.__table__, merged.id, kept.id, {Module.__table__.c.programme_id}, preview)
    for module in merged.modules:
        if (twin := _same_name(module, kept)) is not None:
            preview.modules_merged.append((module.name, twin.name))
            _plan(Module.__table__, module.id, twin.id, set(), preview)
        else:
            preview.modules_moved.append(module.name)
    if merged.family_id != kept.family_id:
        preview.warnings.append(f"Los programas son de familias distintas ({merged.family.name} y "
                                f"{kept.family.name}): los estudiantes pasan a la familia de «{kept.name}».")
    if merged.level != kept.level:
        preview.warnings.append("Los programas tienen niveles distintos; cada estudiante conserva su nivel.")
    return preview


def merge_programmes(actor: User, merged: Programme, kept: Programme) -> Preview:
    """Move every reference of `merged` to `kept`, its modules with them, in one transaction."""
    preview = preview_programmes(merged, kept)
    with _one_transaction():
        next_position = max((m.position for m in kept.modules), default=0) + 1
        for module in list(merged.modules):
            if (twin := _same_name(module, kept)) is not None:
                _merge_module_rows(module, twin)
            else:
                module.programme_id, module.position = kept.id, next_position
                next_position += 1
        db.session.flush()
        _move(Programme.__table__, merged.id, kept.id, {Module.__table__.c.programme_id})
        merged.retired_at = merged.retired_at or clock.utcnow()
        merged.merged_into_id = kept.id
        audit("catalogue.programme_merged", merged, actor, name=merged.name, into_id=kept.id, into=kept.name,
              moved=preview.moves, repeats_dropped=preview.repeats, modules_moved=preview.modules_moved,
              modules_merged=preview.modules_merged)
    return preview


def preview_modules(merged: Module, kept: Module) -> Preview:
    _check(merged, kept)
    if merged.programme_id != kept.programme_id:
        raise CatalogueError("Solo se fusionan módulos del mismo programa.", "kept_id")
    preview = Preview()
    _plan(Module.__table__, merged.id, kept.id, set(), preview)
    return preview


def _merge_module_rows(merged: Module, kept: Module) -> None:
    _move(Module.__table__, merged.id, kept.id, set())
    merged.retired_at = merged.retired_at or clock.utcnow()
    merged.merged_into_id = kept.id


def merge_modules(actor: User, merged: Module, kept: Module) -> Preview:
    """Move every reference of `merged` to `kept` (same programme), in one transaction."""
    preview = preview_modules(merged, kept)
    with _one_transaction():
        _merge_module_rows(merged, kept)
        audit("catalogue.module_merged", merged, actor, name=merged.name, into_id=kept.id, into=kept.name,
              moved=preview.moves, repeats_dropped=preview.repeats)
    return preview


# --- Free skills ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skill:
    """A free skill tag as the audit trail names it (it has no row of its own)."""

    name: str
    id: None = None


@dataclass(frozen=True)
class SkillUse:
    normalized: str
    name: str
    students: int
    openings: int


def skill_uses(limit: int = 200) -> list[SkillUse]:
    """Free skills by how many students and openings use them, most used first."""
    students = dict(db.session.execute(
        select(StudentSkill.normalized, func.count()).group_by(StudentSkill.normalized)).all())
    openings = dict(db.session.execute(
        select(OpeningRequirement.skill_normalized, func.count(func.distinct(OpeningRequirement.opening_id)))
        .where(OpeningRequirement.skill_normalized.is_not(None))
        .group_by(OpeningRequirement.skill_normalized)).all())
    names = dict(db.session.execute(select(StudentSkill.normalized, func.min(StudentSkill.name))
                                    .group_by(StudentSkill.normalized)).all())
    names.update({k: v for k, v in db.session.execute(
        select(OpeningRequirement.skill_normalized, func.min(OpeningRequirement.skill))
        .where(OpeningRequirement.skill_normalized.is_not(None))
        .group_by(OpeningRequirement.skill_normalized)).tuples() if k not in names})
    uses = [SkillUse(k, names[k], students.get(k, 0), openings.get(k, 0)) for k in names]
    return sorted(uses, key=lambda u: (-(u.students + u.openings), u.normalized))[:limit]


def _skills(merged_name: str, kept_name: str) -> tuple[str, str, str]:
    merged, kept = normalize_skill(merged_name), normalize_skill(kept_name)
    if not merged:
        raise CatalogueError("Escribe la habilidad que se fusiona.", "merged")
    if not kept:
        raise CatalogueError("Escribe la habilidad que queda.", "kept")
    if merged == kept:
        raise CatalogueError("Las dos habilidades ya se leen igual: no hay nada que fusionar.", "kept")
    exists_ = db.session.scalar(select(func.count()).select_from(StudentSkill).where(
        StudentSkill.normalized == merged)) or db.session.scalar(select(func.count()).select_from(
            OpeningRequirement).where(OpeningRequirement.skill_normalized == merged))
    if not exists_:
        raise CatalogueError(f"Nadie usa la habilidad «{merged_name.strip()}».", "merged")
    label = " ".join(kept_name.split())[:80]
    return merged, kept, label


def _skill_repeats(merged: str, kept: str):
    twin_student = aliased(StudentSkill)
    twin_requirement = aliased(OpeningRequirement)
    students = and_(StudentSkill.normalized == merged, exists().where(
        twin_student.student_id == StudentSkill.student_id, twin_student.normalized == kept))
    requirements = and_(OpeningRequirement.skill_normalized == merged, exists().where(
        twin_requirement.opening_id == OpeningRequirement.opening_id, twin_requirement.skill_normalized == kept))
    return students, requirements


def preview_skills(merged_name: str, kept_name: str) -> Preview:
    merged, kept, _ = _skills(merged_name, kept_name)
    students, requirements = _skill_repeats(merged, kept)
    preview = Preview()
    preview.moves["student_skills"] = _count(StudentSkill.__table__, StudentSkill.normalized == merged)
    preview.moves["opening_requirements"] = _count(OpeningRequirement.__table__,
                                                   OpeningRequirement.skill_normalized == merged)
    preview.repeats["student_skills"] = _count(StudentSkill.__table__, students)
    preview.repeats["opening_requirements"] = _count(OpeningRequirement.__table__, requirements)
    return preview


def merge_skills(actor: User, merged_name: str, kept_name: str) -> Preview:
    """Every student's and opening's `merged` tag becomes `kept` (as typed here), in one transaction."""
    preview = preview_skills(merged_name, kept_name)
    merged, kept, label = _skills(merged_name, kept_name)
    students, requirements = _skill_repeats(merged, kept)
    with _one_transaction():
        db.session.execute(delete(StudentSkill).where(students).execution_options(synchronize_session=False))
        db.session.execute(delete(OpeningRequirement).where(requirements)
                           .execution_options(synchronize_session=False))
        db.session.execute(update(StudentSkill).where(StudentSkill.normalized == merged)
                           .values(normalized=kept, name=label).execution_options(synchronize_session=False))
        db.session.execute(update(OpeningRequirement).where(OpeningRequirement.skill_normalized == merged)
                           .values(skill_normalized=kept, skill=label).execution_options(synchronize_session=False))
        audit("catalogue.skill_merged", Skill(label), actor, merged=merged, into=label,
              moved=preview.moves, repeats_dropped=preview.repeats)
    return preview

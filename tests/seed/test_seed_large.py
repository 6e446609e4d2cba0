"""`flask seed large --scale`: proportional counts, every constraint respected, safe on a used database."""

from sqlalchemy import func, select
from stdnum.pe import ruc

from portal import clock
from portal.extensions import db
from portal.models import (
    Application,
    Cetpro,
    Company,
    Opening,
    Placement,
    StudentProfile,
    User,
)
from portal.openings import legal
from portal.seed.common import current_rmv
from tests import factories


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def seed_large(runner, *options):
    return runner.invoke(args=["seed", "large", "--scale", "0.01", *options])


def test_scale_gives_proportional_counts_that_respect_the_rules(app, runner):
    result = seed_large(runner)
    assert result.exit_code == 0, result.output
    assert "Conjunto grande cargado" in result.output
    assert count(Cetpro) == 3
    assert count(StudentProfile) == 600
    assert count(Company) == 30
    assert count(Opening) == 200
    assert count(Application) == 2000
    assert count(User, User.role == "student") == 600
    assert count(User, User.role == "coordinator") == 3
    assert count(User, User.role == "employer") >= 30
    assert count(Placement) > 0
    assert count(User, User.email.like("%@large.enlace.pe")) == count(User)
    assert count(User, User.email_confirmed_at.is_(None)) == 0  # every account can sign in

    today = clock.today()
    rucs = list(db.session.scalars(select(Company.ruc)))
    assert len(set(rucs)) == len(rucs) and all(ruc.is_valid(r) for r in rucs)
    documents = list(db.session.execute(select(StudentProfile.document_type, StudentProfile.document_number)))
    assert len(set(documents)) == len(documents)
    assert count(StudentProfile, StudentProfile.status != "estudiante",
                 StudentProfile.graduation_date.is_(None)) == 0
    pairs = list(db.session.execute(select(Application.opening_id, Application.student_id)))
    assert len(set(pairs)) == len(pairs)
    published = count(Opening, Opening.state == "published")
    assert published > count(Opening) / 2
    assert count(Opening, Opening.state == "published", Opening.deadline <= today) == 0
    assert count(Opening, Opening.state != "draft", Opening.published_at.is_(None)) == 0
    unverified_live = db.session.scalar(
        select(func.count()).select_from(Opening).join(Company, Company.id == Opening.company_id)
        .where(Opening.state != "draft", Company.verification_state != "verified"))
    assert unverified_live == 0
    rmv = current_rmv()
    for kind, per_day, per_week, pay in db.session.execute(
            select(Opening.kind, Opening.hours_per_day, Opening.hours_per_week, Opening.pay_monthly)):
        assert legal.check(kind, per_day, per_week, pay, rmv) == []
        if kind == "empleo":
            assert 1130 <= pay <= 3500
    hired = count(Application, Application.state == "hired")
    assert count(Placement, Placement.source == "portal") == hired
    # Certificados modulares for a share of the graduates, by the certificates service's rules.
    from portal.models import Certificate, Module
    certified = db.session.execute(
        select(Certificate.number, Certificate.cetpro_id, Certificate.state, Certificate.issued_on,
               StudentProfile.status, StudentProfile.cetpro_id, Module.programme_id, StudentProfile.programme_id)
        .join(StudentProfile, StudentProfile.id == Certificate.student_id)
        .join(Module, Module.id == Certificate.module_id)).all()
    graduates = count(StudentProfile, StudentProfile.status != "estudiante")
    holders = db.session.scalar(select(func.count(func.distinct(Certificate.student_id))))
    assert 0.2 * graduates < holders < 0.5 * graduates
    assert all(row.status != "estudiante" and row[1] == row[5] and row[6] == row[7] and row.issued_on <= today
               for row in certified)
    assert len({(row.cetpro_id, row.number) for row in certified}) == len(certified)
    assert {row.state for row in certified} <= {"vigente", "revocado"}


def test_refuses_a_used_database_unless_forced(app, runner, client, auth):
    factories.admin(email="admin@demo.pe")
    result = seed_large(runner)
    assert result.exit_code == 1
    assert "usa --force" in result.output
    assert count(User) == 1

    result = seed_large(runner, "--force")
    assert result.exit_code == 0, result.output
    assert count(StudentProfile) == 600
    # Ids continue after the existing rows, and the ORM can still insert (PostgreSQL sequences moved on).
    factories.student(email="nueva@example.pe")
    assert auth.login("admin@demo.pe", "enlace-demo").status_code == 303


def test_a_second_forced_run_adds_a_second_set(app, runner):
    """Forced onto a database that already holds the set: the same seed drew the same RUCs,
    códigos modulares and DNIs, and ran out of fresh ones (IndexError, StopIteration)."""
    assert seed_large(runner).exit_code == 0
    result = seed_large(runner, "--force")
    assert result.exit_code == 0, result.output
    assert count(StudentProfile) == 1200 and count(Company) == 60


def test_progress_counts_every_inserted_row(app):
    from portal.seed.large import ROWS_AT_SCALE_1, build_large

    done = []
    counts, _ = build_large(0.01, progress=done.append)
    assert sum(done) == sum(counts.values())
    # The bar's length (rows at scale 1, times the scale) is within 5 % of what was inserted.
    assert abs(sum(done) - ROWS_AT_SCALE_1 * 0.01) < 0.05 * ROWS_AT_SCALE_1 * 0.01

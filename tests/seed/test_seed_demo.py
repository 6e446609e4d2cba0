"""`flask seed demo`: a small world that covers every state, four accounts that work, and safe re-runs."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from stdnum.pe import ruc

from portal import clock, places, vocab
from portal.extensions import db
from portal.models import (
    Application,
    AuditEvent,
    Cetpro,
    Company,
    CompanyMember,
    Convenio,
    FollowUp,
    Nomination,
    Notification,
    Opening,
    OpeningReport,
    Placement,
    StudentProfile,
    StudentSkill,
    User,
)
from portal.openings import legal
from portal.seed.common import current_rmv
from portal.seed.demo import DEMO_ACCOUNTS, add_months
from portal.skills import normalize_skill
from tests import factories

DASHBOARDS = {
    "admin@demo.pe": "/admin",
    "coordinador@demo.pe": "/coordinador",
    "empresa@demo.pe": "/empresa",
    "estudiante@demo.pe": "/estudiante",
    "estudiante2@demo.pe": "/estudiante",
}


def seed_demo(runner, *options):
    return runner.invoke(args=["seed", "demo", *options])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def values(column) -> set:
    return set(db.session.scalars(select(column).distinct()))


@pytest.fixture
def demo(runner):
    result = seed_demo(runner, "--if-empty")  # an empty database: --if-empty still loads
    assert result.exit_code == 0, result.output
    return result


def test_summary_names_every_demo_account(demo):
    assert "Datos de demostración cargados" in demo.output
    assert "contraseña: enlace-demo" in demo.output
    for email in DEMO_ACCOUNTS:
        assert email in demo.output


def test_every_kind_and_state_is_present(demo):
    assert values(Opening.kind) == set(vocab.OPENING_KINDS)
    assert values(Opening.state) == set(vocab.OPENING_STATES)
    assert values(Application.state) == set(vocab.APPLICATION_STATES)
    assert values(Company.verification_state) == set(vocab.VERIFICATION_STATES)
    assert values(StudentProfile.status) == set(vocab.STUDENT_STATUSES)
    assert {"verified", "pending"} <= values(StudentProfile.verification_state)
    assert values(StudentProfile.level) == set(vocab.LEVELS)
    assert 4 <= count(Cetpro) <= 5
    assert 60 <= count(StudentProfile) <= 80
    assert 20 <= count(Opening) <= 30
    assert count(Nomination) >= 3 and count(Convenio) >= 2 and count(Notification) >= 3
    assert count(OpeningReport) == 1
    assert values(Convenio.state) >= {"active", "proposed"}


def test_rules_of_the_domain_hold(demo):
    today = clock.today()
    assert db.session.scalar(select(User.id).where(User.email_confirmed_at.is_(None))) is None
    for opening in db.session.scalars(select(Opening)):
        if opening.state == "draft":
            assert opening.published_at is None
        else:
            assert opening.published_at is not None
            assert opening.company.verification_state == "verified"
        if opening.state == "published":
            assert opening.deadline > today
        if opening.state == "expired":
            assert opening.deadline < today
        assert legal.check(opening.kind, opening.hours_per_day, opening.hours_per_week,
                           opening.pay_monthly, current_rmv()) == [], opening.title
        if opening.kind == "practicas_preprofesionales":
            assert opening.hours_per_day <= 6 and opening.hours_per_week <= 30
        if opening.kind == "empleo":
            assert 1130 <= opening.pay_monthly <= 3500
    assert db.session.scalar(select(func.count()).where(Opening.targets_all_cetpros.is_(False))) >= 1

    for application in db.session.scalars(select(Application)):
        assert (application.rejection_reason is not None) == (application.state == "rejected")
        assert application.created_at >= application.opening.published_at

    for company in db.session.scalars(select(Company)):
        assert ruc.is_valid(company.ruc) and company.ruc.startswith("20")
        assert places.is_valid(company.district_code)
        members = db.session.scalars(select(CompanyMember).where(CompanyMember.company_id == company.id)).all()
        assert 1 <= len(members) <= 2 and sum(m.is_owner for m in members) == 1
        assert all(m.state == "active" for m in members)
        if company.verification_state == "rejected":
            assert company.verification_note
    for cetpro in db.session.scalars(select(Cetpro)):
        assert len(cetpro.codigo_modular) == 7 and cetpro.codigo_modular.isdigit()
        assert places.is_valid(cetpro.district_code) and cetpro.district_code.startswith(cetpro.province_code)

    profiles = db.session.scalars(select(StudentProfile)).all()
    documents = [p.document_number for p in profiles]
    assert len(set(documents)) == len(documents)
    assert all(len(d) == 8 and d.isdigit() for d in documents)
    for profile in profiles:
        assert (profile.graduation_date is None) == (profile.status == "estudiante")
        assert profile.user.phone.startswith("9") and len(profile.user.phone) == 9
        assert {m.programme_id for m in profile.modules} <= {profile.programme_id}
    assert any(not p.open_to_offers for p in profiles)
    for skill in db.session.scalars(select(StudentSkill)):
        assert skill.normalized == normalize_skill(skill.name)

    placements = db.session.scalars(select(Placement)).all()
    assert {p.source for p in placements} == {"portal", "manual"}
    assert sum(p.source == "manual" for p in placements) >= 2
    hired = set(db.session.scalars(select(Application.id).where(Application.state == "hired")))
    assert {p.application_id for p in placements if p.source == "portal"} == hired
    assert count(FollowUp) >= 3
    for follow_up in db.session.scalars(select(FollowUp)):
        assert follow_up.due_date == add_months(follow_up.placement.start_date, follow_up.months)
        assert follow_up.due_date <= today


def test_demo_accounts_tell_a_connected_story(demo):
    coordinator = db.session.scalar(select(User).where(User.email == "coordinador@demo.pe"))
    assert coordinator.role == "coordinator" and coordinator.cetpro.department_code == "04"  # Arequipa
    assert coordinator.cetpro_id == db.session.scalar(select(func.min(Cetpro.id)))

    employer = db.session.scalar(select(User).where(User.email == "empresa@demo.pe"))
    membership = employer.membership
    assert membership.is_owner and membership.state == "active"
    company = membership.company
    assert company.verification_state == "verified" and company.department_code == "04"
    applicants_from_cetpro = db.session.scalar(
        select(func.count()).select_from(Application)
        .join(Opening, Opening.id == Application.opening_id)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(Opening.company_id == company.id, Opening.state == "published",
               StudentProfile.cetpro_id == coordinator.cetpro_id)
    )
    assert applicants_from_cetpro >= 3

    student = db.session.scalar(select(User).where(User.email == "estudiante@demo.pe")).student
    assert student.status == "egresado" and student.verification_state == "verified"
    assert student.cetpro_id == coordinator.cetpro_id and student.programme.name == "Electricidad"
    assert student.modules
    states = set(db.session.scalars(select(Application.state).where(Application.student_id == student.id)))
    assert len(states) >= 3

    admin = db.session.scalar(select(User).where(User.email == "admin@demo.pe"))
    assert admin.role == "admin"
    hashes = set(db.session.scalars(select(User.password_hash)))
    assert len(hashes) == 1  # hashed once, shared by every demo user


def test_the_demo_coordinators_cetpro_has_a_schools_worth_of_students(demo):
    """Enough students that the candidates pages, the roster and "Colocaciones" look real."""
    coordinator = db.session.scalar(select(User).where(User.email == "coordinador@demo.pe"))
    students = db.session.scalars(select(StudentProfile).where(StudentProfile.cetpro_id == coordinator.cetpro_id)).all()
    assert len(students) >= 30
    assert len({s.programme_id for s in students}) >= 5
    assert {s.status for s in students} == set(vocab.STUDENT_STATUSES)
    week_ago = clock.utcnow() - timedelta(days=7)
    signed_up = [s for s in students if s.verification_state == "pending" and s.user.created_at >= week_ago]
    assert len(signed_up) >= 3  # sign-ups waiting for the coordinator
    placements = db.session.scalar(select(func.count()).select_from(Placement)
                                   .where(Placement.cetpro_id == coordinator.cetpro_id))
    assert placements >= 6


def test_the_second_demo_student_can_apply_to_a_practica_preprofesional(demo, client, auth):
    """estudiante@demo.pe graduated, so no demo account could show the law's other side."""
    student = db.session.scalar(select(User).where(User.email == "estudiante2@demo.pe")).student
    assert student.status == "estudiante" and student.verification_state == "verified"
    coordinator = db.session.scalar(select(User).where(User.email == "coordinador@demo.pe"))
    assert student.cetpro_id == coordinator.cetpro_id
    today = clock.today()
    opening = db.session.scalar(select(Opening).where(
        Opening.kind == "practicas_preprofesionales", Opening.state == "published", Opening.deadline >= today,
        Opening.company_id == db.session.scalar(select(CompanyMember.company_id).join(User).where(
            User.email == "empresa@demo.pe"))))
    assert opening is not None

    auth.login("estudiante2@demo.pe", "enlace-demo")
    response = client.post(f"/ofertas/{opening.id}/postular", data={"message": ""})
    assert response.status_code == 303
    assert db.session.scalar(select(Application.state).where(
        Application.opening_id == opening.id, Application.student_id == student.id)) == "received"


def test_each_persons_notifications_are_stored_in_time_order(demo):
    """The page lists them newest first by id: ids and times must agree, and none is in the future."""
    by_user: dict[int, list[Notification]] = {}
    for notification in db.session.scalars(select(Notification).order_by(Notification.id)):
        by_user.setdefault(notification.user_id, []).append(notification)
    assert any(len(notes) >= 3 for notes in by_user.values())
    now = clock.utcnow()
    for notes in by_user.values():
        times = [n.created_at for n in notes]
        assert times == sorted(times)
        assert all(t <= now for t in times)


def test_every_seeded_notification_opens_a_page_that_exists(demo, client, auth):
    """Each demo notification's link answers 200 for its addressee; the admin's report
    notification opens that report (it pointed at /admin, where the details are not shown)."""
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    users = {u.id: u.email for u in db.session.scalars(select(User).where(User.id.in_({n.user_id for n in notes})))}
    report = db.session.scalar(select(OpeningReport))
    admin_urls = [n.url for n in notes if users[n.user_id] == "admin@demo.pe"]
    assert f"/admin/denuncias/{report.id}" in admin_urls
    for user_id, email in users.items():
        if email not in DEMO_ACCOUNTS:
            continue
        auth.login(email, "enlace-demo")
        for url in {n.url for n in notes if n.user_id == user_id}:
            assert client.get(url).status_code == 200, (email, url)
        auth.logout()


def test_each_demo_cetpro_teaches_its_students_programmes_and_names_its_ugel(demo):
    """/admin/cetpros/<id> showed «Programas que enseña: —» for every demo CETPRO."""
    for cetpro in db.session.scalars(select(Cetpro)):
        studied = set(db.session.scalars(select(StudentProfile.programme_id).where(StudentProfile.cetpro_id == cetpro.id)))
        assert studied and {p.id for p in cetpro.programmes} == studied, cetpro.name
        assert cetpro.ugel.startswith("UGEL")


def test_the_audit_trail_tells_the_demo_story_in_time_order(demo, client, auth):
    """/admin/auditoria and the coordinator's trail were empty after `make run`: the demo now
    writes the events of what it shows, dated when they happened and stored in time order."""
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = Counter(e.action for e in events)
    applications = db.session.scalar(select(func.count()).select_from(Application))
    assert actions["application.created"] == applications
    assert actions["cetpro.created"] == db.session.scalar(select(func.count()).select_from(Cetpro))
    assert actions["company.verified"] == db.session.scalar(
        select(func.count()).select_from(Company).where(Company.verification_state == "verified"))
    assert actions["opening.reported"] == 1
    times = [e.created_at for e in events]
    assert times == sorted(times) and times[-1] <= clock.utcnow()
    assert all(e.action in vocab.AUDIT_ACTIONS for e in events)

    auth.login("admin@demo.pe", "enlace-demo")
    page = client.get("/admin/auditoria").get_data(as_text=True)
    assert "Oferta reportada" in page and "Empresa verificada" in page
    auth.logout()
    # The Arequipa coordinator reads her CETPRO's part only: Elecsur, verified by her, and
    # her students' applications; not another CETPRO's creation.
    auth.login("coordinador@demo.pe", "enlace-demo")
    page = client.get("/coordinador/auditoria").get_data(as_text=True)
    assert "Empresa verificada" in page and "Postulación enviada" in page
    others = db.session.scalars(select(Cetpro.name).where(Cetpro.name != "CETPRO Técnico Industrial Misti")).all()
    assert not any(name in page for name in others)


def test_seeded_placements_name_their_company_as_the_portal_does(demo):
    """A hire through the portal records the company's display name; the seed recorded the
    razón social, so one list showed "Elecsur" beside "Instalaciones Eléctricas del Sur S.A.C."."""
    linked = db.session.scalars(select(Placement).where(Placement.company_id.is_not(None))).all()
    assert linked and any(p.company.trade_name for p in linked)
    assert all(p.employer_name == p.company.display_name == p.employer_display_name for p in linked)


def test_demo_accounts_log_in_and_see_their_dashboards(demo, client, auth):
    for email in DEMO_ACCOUNTS:
        response = auth.login(email, "enlace-demo")
        assert response.status_code == 303, email
        assert response.headers["Location"].endswith("/panel")
        response = client.get("/panel")
        assert response.headers["Location"].endswith(DASHBOARDS[email])
        assert client.get(DASHBOARDS[email]).status_code == 200, email
        auth.logout()


def test_second_run_changes_nothing(demo, runner):
    before = (count(User), count(Opening), count(Application))
    result = seed_demo(runner)
    assert result.exit_code == 0
    assert "ya están cargados" in result.output
    assert (count(User), count(Opening), count(Application)) == before


def test_if_empty_does_nothing_when_anybody_exists(app, runner):
    factories.admin()
    result = seed_demo(runner, "--if-empty")
    assert result.exit_code == 0
    assert "ya tiene usuarios" in result.output
    assert count(User) == 1


def test_refuses_next_to_real_users_unless_forced(app, runner):
    real = factories.admin(email="jefa@cetpro.edu.pe")
    result = seed_demo(runner)
    assert result.exit_code == 1
    assert "no son de demostración" in result.output
    assert count(User) == 1

    result = seed_demo(runner, "--force")
    assert result.exit_code == 0, result.output
    assert db.session.get(User, real.id).email == "jefa@cetpro.edu.pe"
    assert db.session.scalar(select(func.count()).where(User.email.in_(DEMO_ACCOUNTS))) == len(DEMO_ACCOUNTS)


def test_demo_certificates_show_certified_beside_declared_and_one_revoked(demo, client, auth):
    """The demo egresada holds two certificates in force and one revoked (her third declared
    module), other graduates hold some: make run shows certified vs declared everywhere."""
    from portal.models import Certificate

    egresada = db.session.scalar(select(User).where(User.email == "estudiante@demo.pe")).student
    held = db.session.scalars(select(Certificate).where(Certificate.student_id == egresada.id)
                              .order_by(Certificate.number)).all()
    assert [c.state for c in held] == ["vigente", "vigente", "revocado"]
    assert held[2].revoked_at and held[2].revoke_reason and held[2].module in egresada.modules
    everyone = db.session.scalars(select(Certificate)).all()
    others = {c.student_id for c in everyone} - {egresada.id}
    assert len(others) >= 5
    for certificate in everyone:  # what the certificates service would have checked
        student = certificate.student
        assert certificate.module.programme_id == student.programme_id
        assert certificate.cetpro_id == student.cetpro_id and certificate.issued_on <= clock.today()
    numbers = Counter((c.cetpro_id, c.number) for c in everyone)
    assert max(numbers.values()) == 1
    auth.login("estudiante@demo.pe", "enlace-demo")
    body = client.get("/estudiante/perfil").get_data(as_text=True)
    assert "Certificado por" in body and "Revocado el" in body
    assert client.get(f"/verificar/{held[0].code}").status_code == 200


def test_demo_certificates_are_the_same_on_every_load(demo):
    """Deterministic: the codes come from the seed's own stream, not from chance (the first one
    recorded is the first a fresh builder would draw)."""
    from portal.certificates.services import new_code
    from portal.models import Certificate
    from portal.seed.demo import DemoBuilder

    first = db.session.scalar(select(Certificate).order_by(Certificate.id).limit(1))
    assert new_code(DemoBuilder().certificate_rng) == first.code

"""Matching queries and pages: SQL filter and engine agree; coordinators nominate in place;
employers see recommendations; students see openings for them."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.matching import queries
from portal.matching.engine import hard_filter
from portal.models import Nomination, Notification
from tests import factories


def test_sql_filter_and_engine_agree(app):
    cetpro = factories.cetpro()
    opening = queries.load_opening(factories.opening(kind="practicas_profesionales", hours_per_day=8,
                                                     hours_per_week=48, pay_monthly=1130).id)
    today = clock.today()
    people = [
        factories.student(cetpro, status="egresado", graduation_date=today - timedelta(days=100)),   # in
        factories.student(cetpro, status="egresado", graduation_date=today - timedelta(days=400)),   # too old
        factories.student(cetpro, status="estudiante"),                                               # not graduated
        factories.student(cetpro, status="titulado", graduation_date=today - timedelta(days=30), open_to_offers=False),
        factories.student(cetpro, programme_row=factories.programme("Cocina"), status="egresado"),   # other family
    ]
    applied = factories.student(cetpro, status="egresado", graduation_date=today - timedelta(days=10))
    factories.application(opening, applied)
    facts = queries.opening_facts(opening)
    sql = {c.id for c in queries.candidates(facts, today, cetpro_ids=[cetpro.id])}
    ranked = {m.candidate_id for m in queries.ranked_for_opening(facts, today, cetpro_ids=[cetpro.id])}
    everyone = queries.candidates(facts, today, cetpro_ids=[cetpro.id], exclude_applied=False)
    by_engine = {c.id for c in everyone if hard_filter(facts, c, today) is None} - {applied.student.id}
    assert ranked == by_engine == {people[0].student.id}
    assert ranked <= sql


def test_thousands_of_candidates_rank_in_order_with_reasons(app):
    cetpro = factories.cetpro()
    programme = factories.programme()
    opening = queries.load_opening(factories.opening(required_modules=4).id)
    from portal.models import StudentProfile, User, student_modules
    from tests.factories import password_hash
    users = [{"email": f"m{i}@x.pe", "role": "student", "first_names": "N", "last_names": str(i),
              "password_hash": password_hash(), "active": True, "session_version": 1,
              "email_confirmed_at": clock.utcnow()} for i in range(3000)]
    db.session.execute(db.insert(User), users)
    ids = db.session.scalars(select(User.id).where(User.email.like("m%@x.pe")).order_by(User.id)).all()
    profiles = [{"user_id": uid, "cetpro_id": cetpro.id, "programme_id": programme.id, "level": "tecnico",
                 "status": "estudiante", "document_type": "dni", "document_number": f"{70000000 + i}",
                 "department_code": "04" if i % 2 else "15", "province_code": "0401" if i % 2 else "1501",
                 "open_to_offers": True, "verification_state": "verified"} for i, uid in enumerate(ids)]
    db.session.execute(db.insert(StudentProfile), profiles)
    profile_ids = db.session.scalars(select(StudentProfile.id).order_by(StudentProfile.id)).all()
    modules = [m.id for m in programme.modules[:4]]
    links = [{"student_id": pid, "module_id": modules[k]} for i, pid in enumerate(profile_ids) for k in range(i % 5)]
    db.session.execute(student_modules.insert(), links)
    db.session.commit()
    ranked = queries.ranked_for_opening(queries.opening_facts(opening), cetpro_ids=[cetpro.id])
    assert len(ranked) == 3000
    scores = [m.score for m in ranked]
    assert scores == sorted(scores, reverse=True)
    best, worst = queries.explain([ranked[0], ranked[-1]])
    assert best.required_met == 4 and any(r.text.endswith("(misma provincia)") for r in best.reasons)
    assert worst.required_met == 0 and len(worst.missing) == 4


@pytest.fixture
def scene(app):
    cetpro = factories.cetpro()
    company = factories.company()
    employer = factories.employer(company)
    opening = factories.opening(company, title="Electricista")
    coordinator = factories.coordinator(cetpro)
    student = factories.student(cetpro, modules=2)
    return dict(cetpro=cetpro, company=company, employer=employer, opening=opening,
                coordinator=coordinator, student=student)


def test_candidates_page_and_fragment(client, auth, scene, htmx_headers):
    auth.login(scene["coordinator"])
    url = f"/coordinador/ofertas/{scene['opening'].id}/candidatos"
    page = client.get(url).get_data(as_text=True)
    assert scene["student"].last_names in page and "✓ " in page
    fragment = client.get(url, headers=htmx_headers, query_string={"minimo": "101", "estado": "x"})
    assert fragment.status_code == 200 and fragment.data.lstrip().startswith(b'<section id="candidates"')


def test_coordinator_sees_only_own_cetpro(client, auth, scene):
    other = factories.student(modules=2)  # another CETPRO
    auth.login(scene["coordinator"])
    page = client.get(f"/coordinador/ofertas/{scene['opening'].id}/candidatos").get_data(as_text=True)
    assert other.last_names not in page


def test_nominate_in_place_notifies_student_and_employer(client, auth, scene, htmx_headers):
    auth.login(scene["coordinator"])
    response = client.post(f"/coordinador/ofertas/{scene['opening'].id}/candidatos/{scene['student'].student.id}/nominar",
                           data={"note": "Muy puntual"}, headers=htmx_headers)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nominado/a" in text and "1 estudiante recomendado" in text
    kinds = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "nomination")))
    assert kinds == {scene["student"].id, scene["employer"].id}
    again = client.post(f"/coordinador/ofertas/{scene['opening'].id}/candidatos/{scene['student'].student.id}/nominar",
                        headers=htmx_headers)
    assert again.status_code == 409 and "ya está recomendado" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 1


def test_nominating_another_cetpros_student_is_refused(client, auth, scene):
    other = factories.student()
    auth.login(scene["coordinator"])
    response = client.post(f"/coordinador/ofertas/{scene['opening'].id}/candidatos/{other.student.id}/nominar")
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0


def test_nominating_for_a_closed_opening_or_closed_student_is_refused(client, auth, scene):
    closed = factories.opening(scene["company"], state="closed")
    auth.login(scene["coordinator"])
    response = client.post(f"/coordinador/ofertas/{closed.id}/candidatos/{scene['student'].student.id}/nominar",
                           follow_redirects=True)
    assert "ya no recibe postulaciones" in response.get_data(as_text=True)
    scene["student"].student.open_to_offers = False
    db.session.commit()
    response = client.post(f"/coordinador/ofertas/{scene['opening'].id}/candidatos/{scene['student'].student.id}/nominar",
                           follow_redirects=True)
    assert "no está recibiendo ofertas" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0


def test_employer_sees_nominated_first_without_contact_data(client, auth, scene):
    from portal.matching import services
    services.nominate(scene["coordinator"], queries.load_opening(scene["opening"].id), scene["student"].student, "Puntual")
    stranger = factories.student(modules=2)
    auth.login(scene["employer"])
    page = client.get(f"/empresa/ofertas/{scene['opening'].id}/recomendados").get_data(as_text=True)
    assert scene["student"].last_names in page and "«Puntual»" in page
    assert stranger.last_names not in page and stranger.email not in page
    assert stranger.student.document_number not in page
    assert page.index(scene["student"].last_names) < page.index("Otros perfiles")


def test_invite_to_apply_once(client, auth, scene, htmx_headers):
    auth.login(scene["employer"])
    url = f"/empresa/ofertas/{scene['opening'].id}/recomendados/{scene['student'].student.id}/invitar"
    assert client.post(url, headers=htmx_headers).status_code == 200
    client.post(url, headers=htmx_headers)
    invitations = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "invitation"))
    assert invitations == 1


def test_a_profile_invited_before_shows_the_invitation_sent_not_the_button(client, auth, scene, htmx_headers):
    """Back on Recomendados, a profile the employer had invited still offered «Invitar a postular»,
    as if nothing had been sent."""
    other_student = factories.student(scene["cetpro"], modules=2)
    auth.login(scene["employer"])
    page_url = f"/empresa/ofertas/{scene['opening'].id}/recomendados"
    invite_url = f"{page_url}/{scene['student'].student.id}/invitar"
    other_url = f"{page_url}/{other_student.student.id}/invitar"
    page = client.get(page_url).get_data(as_text=True)
    assert invite_url in page and other_url in page and "Invitación enviada" not in page
    assert client.post(invite_url, headers=htmx_headers).status_code == 200
    for headers in ({}, htmx_headers):
        page = client.get(page_url, headers=headers).get_data(as_text=True)
        assert invite_url not in page and page.count("Invitación enviada") == 1
        assert other_url in page  # the profile not invited keeps its button


def test_answered_tells_applied_and_invited_apart_and_keeps_to_the_opening(app, scene):
    from portal.matching import services
    invited, applied, elsewhere = (factories.student(scene["cetpro"], modules=2) for _ in range(3))
    opening = queries.load_opening(scene["opening"].id)
    another = factories.opening(scene["company"], title="Electricista de turno noche")
    services.invite(scene["employer"], opening, invited.student)
    services.invite(scene["employer"], queries.load_opening(another.id), elsewhere.student)
    factories.application(opening, applied)
    ids = [s.student.id for s in (invited, applied, elsewhere)]
    assert queries.answered(opening.id, ids, ids) == ({applied.student.id}, {invited.student.id})
    assert queries.answered(opening.id, [], ids) == (set(), {invited.student.id})
    assert queries.answered(opening.id, ids, []) == ({applied.student.id}, set())
    assert queries.answered(another.id, ids, ids) == (set(), {elsewhere.student.id})


def test_other_employer_cannot_see_recommendations(client, auth, scene):
    auth.login(factories.employer())
    assert client.get(f"/empresa/ofertas/{scene['opening'].id}/recomendados").status_code == 404


def test_student_recommendations_explain_what_is_missing(client, auth, scene, htmx_headers):
    auth.login(scene["student"])
    page = client.get("/estudiante/recomendadas").get_data(as_text=True)
    assert "Electricista" in page and "Tienes 2 de 2 requisitos" in page
    fragment = client.get("/estudiante/recomendadas", headers=htmx_headers)
    assert fragment.data.lstrip().startswith(b'<section id="recommendations"')


def test_a_student_who_applied_to_every_opening_is_told_so_not_that_there_are_none(client, auth):
    """The empty state said "no hay ofertas publicadas para tu programa" while the openings
    she had applied to were still published."""
    student = factories.student(status="egresado")
    electricista = factories.opening(title="Electricista de planta")
    factories.opening(title="Practicante de tableros", kind="practicas_preprofesionales", hours_per_day=6,
                      hours_per_week=30, pay_monthly=1130)  # for current students: not hers to take
    auth.login(student)

    page = client.get("/estudiante/recomendadas").get_data(as_text=True)
    assert "Electricista de planta" in page and "Practicante de tableros" not in page

    factories.application(electricista, student)
    page = client.get("/estudiante/recomendadas").get_data(as_text=True)
    assert "Ya postulaste a todas las ofertas publicadas para tu programa" in page
    assert 'href="/estudiante/postulaciones"' in page
    assert "no hay ofertas publicadas" not in page

    electricista.state = "closed"
    db.session.commit()
    page = client.get("/estudiante/recomendadas").get_data(as_text=True)
    assert "Por ahora no hay ofertas publicadas para tu programa" in page
    assert "Ya postulaste" not in page


def test_coordinator_dashboard_counts_strong_candidates(client, auth, scene):
    auth.login(scene["coordinator"])
    page = client.get("/coordinador").get_data(as_text=True)
    assert "Ver candidatos de tu CETPRO" in page and "1 con puntaje de 70 o más" in page


def test_dashboard_strong_counts_agree_with_each_openings_ranking(app):
    from portal.matching.engine import STRONG_SCORE

    cetpro = factories.cetpro()
    openings = [factories.opening(required_modules=n) for n in (1, 2, 3)]
    openings.append(factories.opening(kind="practicas_preprofesionales", hours_per_day=6, hours_per_week=30,
                                      pay_monthly=1130))
    people = [factories.student(cetpro, modules=k, status=s) for k in (0, 1, 2, 3) for s in ("egresado", "estudiante")]
    factories.application(openings[0], people[3])
    expected = {o.id: sum(1 for m in queries.ranked_for_opening(queries.opening_facts(queries.load_opening(o.id)),
                                                                 cetpro_ids=[cetpro.id])
                          if m.score >= STRONG_SCORE) for o in openings}
    assert queries.strong_counts(cetpro.id, openings) == expected
    assert any(expected.values())

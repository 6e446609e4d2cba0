"""The coordinator dashboard and the employer's Recomendados tab read the listing's index
and plain columns; they must show what the database holds, right after each write."""
import random
from datetime import timedelta

from sqlalchemy import or_, select

from portal import clock
from portal.coordinators.queries import cetpro_students, pending_verifications, relevant_openings, student_counts
from portal.extensions import db
from portal.matching import queries, services
from portal.matching.engine import STRONG_SCORE
from portal.models import Cetpro, Family, Opening, Programme, StudentProfile, opening_cetpros, opening_programmes
from portal.openings.queries import open_conditions
from tests import factories
from tests.matching.test_recommendations_index import _world


def _relevant_in_sql(cetpro: Cetpro, limit: int = 10) -> list[int]:
    """The dashboard's openings in SQL: the reference the index is held to."""
    taught = select(StudentProfile.programme_id).where(StudentProfile.cetpro_id == cetpro.id)
    families = select(Programme.family_id).where(Programme.id.in_(taught))
    naming = select(opening_programmes.c.opening_id).where(opening_programmes.c.programme_id.in_(taught))
    targeted = select(opening_cetpros.c.opening_id).where(opening_cetpros.c.cetpro_id == cetpro.id)
    return list(db.session.scalars(
        select(Opening.id).where(*open_conditions(), or_(
            Opening.id.in_(targeted),
            Opening.targets_all_cetpros.is_(True) & (Opening.family_id.in_(families) | Opening.id.in_(naming))))
        .order_by(Opening.published_at.desc(), Opening.id.desc()).limit(limit)))


def test_dashboard_openings_agree_with_sql_on_random_worlds(app):
    _world(random.Random(11))
    for cetpro in db.session.scalars(select(Cetpro)):
        for limit in (3, 10, 50):
            assert [card.id for card in relevant_openings(cetpro, limit)] == _relevant_in_sql(cetpro, limit)


def test_dashboard_student_counts_agree_with_each_student_on_random_worlds(app):
    """One grouped statement gives the counts by status and the pending verifications; held
    to a count of the students one by one (unconfirmed sign-ups and other CETPROs excluded)."""
    rng = random.Random(13)
    cetpros = [factories.cetpro() for _ in range(3)]
    for _ in range(40):
        user = factories.student(rng.choice(cetpros), status=rng.choice(["estudiante", "egresado", "titulado"]),
                                 modules=0, verified=rng.random() < 0.5)
        user.student.verification_state = rng.choice(["pending", "pending", "verified", "rejected"])
        if rng.random() < 0.2:
            user.email_confirmed_at = None
    db.session.commit()
    seen = 0
    for cetpro in cetpros:
        mine = [p for p in db.session.scalars(select(StudentProfile).where(StudentProfile.cetpro_id == cetpro.id))
                if p.user.email_confirmed_at is not None]
        by_status = {}
        for profile in mine:
            by_status[profile.status] = by_status.get(profile.status, 0) + 1
        pending = sum(1 for p in mine if p.verification_state == "pending")
        assert student_counts(cetpro) == (by_status, pending)
        taught = sorted({p.programme_id for p in db.session.scalars(
            select(StudentProfile).where(StudentProfile.cetpro_id == cetpro.id))})  # unconfirmed too
        assert cetpro_students(cetpro).programmes == taught
        assert pending == pending_verifications(cetpro)
        seen += pending
    assert seen  # the world has pending students to count


def test_dashboard_lists_targeted_and_taught_openings_newest_first_after_each_write(client, auth):
    cetpro, other = factories.cetpro(), factories.cetpro()
    factories.student(cetpro)  # the CETPRO teaches Electricidad
    coordinator = factories.coordinator(cetpro)
    untaught = db.session.scalar(select(Family).where(Family.id != factories.programme().family_id))
    hour = clock.utcnow() - timedelta(hours=5)
    for_all = factories.opening(title="Para todos los CETPRO", published_at=hour)
    factories.opening(title="Solo para otro CETPRO", targets_all_cetpros=False, cetpros=[other],
                      published_at=hour + timedelta(hours=1))
    factories.opening(title="Para todos, otra familia", family_id=untaught.id, published_at=hour + timedelta(hours=2))
    factories.opening(title="Otra familia, acepta Electricidad", family_id=untaught.id,
                      programmes=[factories.programme()], published_at=hour + timedelta(hours=2))
    factories.opening(title="Para tu CETPRO, otra familia", family_id=untaught.id, targets_all_cetpros=False,
                      cetpros=[cetpro], published_at=hour + timedelta(hours=3))
    auth.login(coordinator)
    page = client.get("/coordinador").get_data(as_text=True)
    assert page.index("Para tu CETPRO, otra familia") < page.index("Para todos los CETPRO")
    assert "Solo para otro CETPRO" not in page and "Para todos, otra familia" not in page
    assert "Otra familia, acepta Electricidad" in page  # names a programme the CETPRO teaches

    factories.opening(title="Recién publicada")  # a write: the next request shows it, first
    page = client.get("/coordinador").get_data(as_text=True)
    assert page.index("Recién publicada") < page.index("Para tu CETPRO, otra familia")
    for_all.state = "closed"
    db.session.commit()
    assert "Para todos los CETPRO" not in client.get("/coordinador").get_data(as_text=True)


def test_strong_counts_agree_with_each_candidates_page_on_random_worlds(app):
    # Modules and skills, required and desired, applications, accepted programmes, every kind.
    _world(random.Random(12))
    day = clock.today()
    openings = list(db.session.scalars(select(Opening).where(Opening.state != "draft")))
    for cetpro in db.session.scalars(select(Cetpro)):
        expected = {o.id: sum(1 for m in queries.ranked_for_opening(queries.opening_facts(o), day,
                                                                     cetpro_ids=[cetpro.id])
                              if m.score >= STRONG_SCORE) for o in openings}
        assert queries.strong_counts(cetpro.id, openings, day) == expected
        # From the dashboard's one read of the CETPRO's students, as from its own.
        assert queries.strong_counts(cetpro.id, openings, day, rows=cetpro_students(cetpro).open_rows) == expected


def test_recommended_names_the_nominating_cetpro_and_shows_others_without_names(client, auth):
    cetpro = factories.cetpro(name="CETPRO San Martín de Porres")
    company = factories.company()
    opening = factories.opening(company, title="Electricista")
    nominee = factories.student(cetpro, modules=2)
    other = factories.student(factories.cetpro(), modules=3)
    services.nominate(factories.coordinator(cetpro), queries.load_opening(opening.id), nominee.student, "Puntual")
    auth.login(factories.employer(company))
    page = client.get(f"/empresa/ofertas/{opening.id}/recomendados").get_data(as_text=True)
    assert "Recomendado(a) por CETPRO San Martín de Porres" in page and "«Puntual» — CETPRO San Martín" in page
    assert nominee.last_names in page
    others = page[page.index("Otros perfiles"):]
    assert "Perfil 1" in others and other.last_names not in page and other.student.document_number not in page
    names = factories.module_names(factories.programme())[:3]
    assert 0 < others.index(names[0]) < others.index(names[1]) < others.index(names[2])  # programme order


def test_recommended_of_a_closed_opening_still_ranks_from_its_own_facts(client, auth):
    company = factories.company()
    opening = factories.opening(company, title="Electricista")
    student = factories.student(modules=2)
    opening.state = "closed"  # out of the listing's index: its facts are read from the database
    db.session.commit()
    auth.login(factories.employer(company))
    page = client.get(f"/empresa/ofertas/{opening.id}/recomendados").get_data(as_text=True)
    assert "Perfil 1" in page and "✓ " in page and student.last_names not in page


def test_recommended_only_from_the_cetpros_an_opening_targets(client, auth):
    targeted, elsewhere = factories.cetpro(), factories.cetpro()
    company = factories.company()
    opening = factories.opening(company, targets_all_cetpros=False, cetpros=[targeted])
    inside = factories.student(targeted, modules=1)
    factories.student(elsewhere, modules=2)
    auth.login(factories.employer(company))
    page = client.get(f"/empresa/ofertas/{opening.id}/recomendados").get_data(as_text=True)
    others = page[page.index("Otros perfiles"):]
    assert others.count('class="card candidate"') == 1
    assert factories.module_names(factories.programme())[0] in others and inside.last_names not in page


def test_a_nominee_who_applied_is_shown_as_an_applicant_and_never_invited(client, auth, htmx_headers):
    from portal.models import Notification

    cetpro = factories.cetpro()
    company = factories.company()
    opening = factories.opening(company, title="Electricista")
    nominee = factories.student(cetpro, modules=2)
    services.nominate(factories.coordinator(cetpro), queries.load_opening(opening.id), nominee.student, "Puntual")
    factories.application(opening, nominee)
    auth.login(factories.employer(company))
    page = client.get(f"/empresa/ofertas/{opening.id}/recomendados").get_data(as_text=True)
    nominees = page[:page.index("Otros perfiles")]
    assert "Ya postuló" in nominees and f"/empresa/ofertas/{opening.id}/postulantes" in nominees
    assert "Invitar a postular" not in nominees

    invitations = select(Notification).where(Notification.kind == "invitation")
    url = f"/empresa/ofertas/{opening.id}/recomendados/{nominee.student.id}/invitar"
    response = client.post(url, headers=htmx_headers)
    assert response.status_code == 409 and "Ya postuló" in response.get_data(as_text=True)
    page = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "Ya postuló a esta oferta" in page
    assert db.session.scalars(invitations).first() is None


def test_a_matching_student_who_applied_since_is_told_so_not_a_404(client, auth, htmx_headers):
    from portal.models import Notification

    company = factories.company()
    opening = factories.opening(company, title="Electricista")
    student = factories.student(modules=2)
    auth.login(factories.employer(company))
    assert "Perfil 1" in client.get(f"/empresa/ofertas/{opening.id}/recomendados").get_data(as_text=True)
    factories.application(opening, student)  # applies while the employer reads the page
    response = client.post(f"/empresa/ofertas/{opening.id}/recomendados/{student.student.id}/invitar",
                           headers=htmx_headers)
    assert response.status_code == 409 and "Ya postuló" in response.get_data(as_text=True)
    assert db.session.scalars(select(Notification).where(Notification.kind == "invitation")).first() is None

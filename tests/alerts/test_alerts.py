"""Job alerts: what a digest sends (eligibility, no repeats, at most ten, paused skipped,
frequencies), that sending is idempotent, the pages, and the one-click unsubscribe."""
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal import clock, mail
from portal.accounts import registration
from portal.alerts import sending, services
from portal.extensions import db
from portal.models import Alert, AlertDelivery, AlertQueue, OutboxEmail, StudentProfile, User
from portal.openings import services as opening_services
from portal.privacy import deletion, export
from tests import factories
from tests.helpers.events import toast

TUESDAY = datetime(2026, 12, 1, 9, 0)
MONDAY = datetime(2026, 12, 7, 9, 0)


@pytest.fixture
def student(app, frozen_clock):
    frozen_clock(TUESDAY)
    return factories.student(status="estudiante")


def _alert(student, query="", frequency="diaria", **fields) -> Alert:
    alert, _ = services.save(student.student, MultiDict(parse_qsl(query)), frequency)
    for name, value in fields.items():
        setattr(alert, name, value)
    db.session.commit()
    return alert


def _emails():
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def _later(frozen_clock, hours=1):
    frozen_clock(clock.now().replace(tzinfo=None) + timedelta(hours=hours))


def test_a_daily_digest_sends_new_openings_she_may_apply_to_and_never_the_same_twice(student, frozen_clock):
    alert = _alert(student, "q=electricista")
    _later(frozen_clock)
    factories.opening(title="Electricista de planta")
    factories.opening(title="Electricista solo para egresados", kind="practicas_profesionales")  # the law: not her
    other_cetpro = factories.cetpro()
    targeted = factories.opening(title="Electricista para otro CETPRO", targets_all_cetpros=False)
    targeted.cetpros = [other_cetpro]
    applied = factories.opening(title="Electricista ya postulada")
    factories.application(applied, student)
    factories.opening(title="Soldador de estructuras")  # not her search
    db.session.commit()
    assert sending.run_digests() == 1
    [email] = _emails()
    assert email.to_address == student.email
    assert "Electricista de planta" in email.body_text
    for absent in ("solo para egresados", "otro CETPRO", "ya postulada", "Soldador"):
        assert absent not in email.body_text
    assert "Ver todas: http" in email.body_text and "q=electricista" in email.body_text
    assert email.list_unsubscribe.startswith("<http") and "/alertas/baja/" in email.list_unsubscribe
    assert db.session.get(Alert, alert.id).last_sent_at == clock.utcnow()
    # The next day: nothing new, nothing resent.
    _later(frozen_clock, 24)
    assert sending.run_digests() == 0
    assert len(_emails()) == 1


def test_openings_published_before_the_alert_was_saved_are_not_new(student, frozen_clock):
    factories.opening(title="Electricista antigua")
    _later(frozen_clock)
    _alert(student, "q=electricista")
    assert sending.run_digests() == 0


def test_a_digest_lists_at_most_ten_and_links_to_the_saved_search_for_the_rest(student, frozen_clock):
    alert = _alert(student, "q=electricista")
    for n in range(12):
        _later(frozen_clock)
        factories.opening(title=f"Electricista número {n}")
    assert sending.run_digests() == 1
    [email] = _emails()
    assert email.body_text.count("- Electricista número") == 10
    assert "Electricista número 11" in email.body_text and "Electricista número 1\n" not in email.body_text
    assert "Te mostramos 10 de 12." in email.body_text
    assert db.session.scalar(select(func.count()).select_from(AlertDelivery)
                             .where(AlertDelivery.alert_id == alert.id)) == 10
    # The next digest sends the two it had no room for, and only them.
    _later(frozen_clock, 24)
    assert sending.run_digests() == 1
    second = _emails()[1]
    assert second.body_text.count("- Electricista número") == 2


def test_paused_alerts_are_skipped_and_weekly_ones_go_on_mondays(student, frozen_clock):
    paused = _alert(student, "q=electricista", paused=True)
    weekly = _alert(student, "tipo=empleo", frequency="semanal")
    _later(frozen_clock)
    factories.opening(title="Electricista de planta")
    assert sending.run_digests() == 0  # Tuesday: the weekly waits, the paused never goes
    frozen_clock(MONDAY)
    assert sending.run_digests() == 1
    [email] = _emails()
    assert "Electricista de planta" in email.body_text
    assert db.session.get(Alert, weekly.id).last_sent_at is not None
    assert db.session.get(Alert, paused.id).last_sent_at is None


@pytest.mark.parametrize("commit_every", [1, 100])
def test_a_digest_stopped_midway_sends_no_opening_twice(student, frozen_clock, monkeypatch, commit_every):
    """Alert by alert (a group of one) the first alert's email is kept; in one group of a
    hundred, nothing of the group is: either way the restart sends each opening once."""
    monkeypatch.setattr(sending, "COMMIT_EVERY", commit_every)
    first = _alert(student, "q=electricista")
    second = _alert(student, f"familia={factories.programme().family_id}")
    _later(frozen_clock)
    factories.opening(title="Electricista de planta")
    real_queue = sending._queue
    calls = []

    def crash_on_second(alert, found):
        calls.append(alert.id)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_queue(alert, found)

    monkeypatch.setattr(sending, "_queue", crash_on_second)
    with pytest.raises(RuntimeError):
        sending.run_digests()
    db.session.rollback()
    kept = 1 if commit_every == 1 else 0
    assert len(_emails()) == kept  # an alert's email and deliveries are committed together
    monkeypatch.setattr(sending, "_queue", real_queue)
    assert sending.run_digests() == 2 - kept  # the restart sends only what was not committed
    assert sending.run_digests() == 0
    emails = _emails()
    assert len(emails) == 2
    assert {d.alert_id for d in db.session.scalars(select(AlertDelivery))} == {first.id, second.id}


def test_a_group_another_run_sent_part_of_is_sent_alert_by_alert(student, frozen_clock, monkeypatch):
    first = _alert(student, "q=electricista")
    second = _alert(student, f"familia={factories.programme().family_id}")
    _later(frozen_clock)
    opening = factories.opening(title="Electricista de planta")
    real_queue = sending._queue
    clashed = []

    def clash_once(alert, found):
        real_queue(alert, found)
        if alert.id == second.id and not clashed:  # the group now holds a delivery twice
            clashed.append(alert.id)
            db.session.add(AlertDelivery(alert_id=first.id, opening_id=opening.id, sent_at=clock.utcnow()))

    monkeypatch.setattr(sending, "_queue", clash_once)
    assert sending.run_digests() == 2
    assert len(_emails()) == 2 and sending.run_digests() == 0
    assert {d.alert_id for d in db.session.scalars(select(AlertDelivery))} == {first.id, second.id}


def test_publishing_queues_the_opening_and_the_worker_sends_immediate_alerts_once(student, frozen_clock):
    _alert(student, "q=electricista", frequency="inmediata")
    _alert(student, "q=soldador", frequency="inmediata")
    _later(frozen_clock)
    draft = factories.opening(title="Electricista de planta", state="draft")
    opening_services.publish(draft, factories.employer(draft.company))
    assert db.session.get(AlertQueue, draft.id) is not None  # the request only queued it
    assert _emails() == []
    assert sending.run_immediate() == 1
    [email] = _emails()
    assert email.subject == "Nueva oferta: Electricista de planta"
    assert db.session.get(AlertQueue, draft.id) is None
    assert sending.run_immediate() == 0
    assert sending.run_digests() == 0  # not a daily alert


def test_candidate_alerts_are_found_by_their_indexed_filters(student, frozen_clock):
    family = factories.programme().family_id
    same = _alert(student, f"familia={family}&departamento=04", frequency="inmediata")
    _alert(student, "departamento=15", frequency="inmediata")
    _alert(student, "modalidad=remoto", frequency="inmediata")
    everything = _alert(student, "", frequency="inmediata")
    _later(frozen_clock)
    opening = factories.opening()
    from portal.openings import listing
    open_now = listing.open_openings(clock.today())
    found = sending.alerts_for_opening(open_now.get(opening.id), open_now, "inmediata")
    assert set(found) == {same.id, everything.id}


def test_one_opening_is_checked_against_the_alerts_as_their_whole_searches_would(student, frozen_clock):
    """`alerts_for_opening` (one just-published opening, no alert's whole search computed)
    finds exactly the alerts whose `new_openings` hold it, on a world where each rule
    leaves some alert out: words, place, kind, her CETPRO not targeted, the law's modality
    rule, applied already, sent already, made after the opening was published."""
    from portal.models import Opening
    from portal.openings import listing

    family = factories.programme().family_id
    other_cetpro = factories.cetpro(department="15", province="1501")
    graduate = factories.student(status="egresado")  # graduated 90 days ago
    old_graduate = factories.student(status="egresado", graduation_date=clock.today() - timedelta(days=800))
    elsewhere = factories.student(cetpro_row=other_cetpro, status="estudiante")
    searches = ("", "q=electricista", "q=soldador", f"familia={family}", f"familia={family}&departamento=04",
                "departamento=15", "tipo=practicas_preprofesionales", "tipo=practicas_profesionales",
                "modalidad=remoto", "q=planta&departamento=04&provincia=0401")
    for person in (student, graduate, old_graduate, elsewhere):
        for query in searches:
            _alert(person, query, frequency="inmediata")
    late = _alert(graduate, "tipo=empleo", frequency="inmediata")
    _later(frozen_clock)
    openings = [factories.opening(), factories.opening(title="Soldador", description="Soldadura en taller."),
                factories.opening(kind="practicas_preprofesionales"),
                factories.opening(kind="practicas_profesionales", department_code="15", province_code="1501"),
                factories.opening(work_mode="remoto", title="Soporte remoto de electricista")]
    targeted = factories.opening(targets_all_cetpros=False)
    targeted.cetpros = [db.session.get(StudentProfile, elsewhere.student.id).cetpro]
    db.session.commit()
    openings.append(targeted)
    factories.application(openings[0], graduate)
    sent_before = db.session.scalar(select(Alert).where(Alert.student_id == student.student.id, Alert.query == ""))
    db.session.add(AlertDelivery(alert_id=sent_before.id, opening_id=openings[1].id, sent_at=clock.utcnow()))
    late.created_at = clock.utcnow() + timedelta(minutes=5)  # saved after they were published
    db.session.commit()

    open_now = listing.open_openings(clock.today())
    alerts = list(db.session.scalars(select(Alert).order_by(Alert.id)))
    found_any = 0
    for opening in openings:
        expected = {alert.id for alert in alerts if opening.id in sending.new_openings(alert, open_now)}
        found = sending.alerts_for_opening(open_now.get(opening.id), open_now, "inmediata")
        assert found == sorted(found) and set(found) == expected, db.session.get(Opening, opening.id).title
        found_any += len(found)
        assert late.id not in found and (opening is not openings[1] or sent_before.id not in found)
    assert 0 < found_any < len(alerts) * len(openings)
    # The targeted opening reaches only the other CETPRO's student; the one for recent
    # graduates only the recent graduate; applied to, the graduate's alerts skip the first.
    assert {db.session.get(Alert, i).student_id for i in sending.alerts_for_opening(
        open_now.get(targeted.id), open_now, "inmediata")} == {elsewhere.student.id}
    assert {db.session.get(Alert, i).student_id for i in sending.alerts_for_opening(
        open_now.get(openings[3].id), open_now, "inmediata")} == {graduate.student.id}
    assert graduate.student.id not in {db.session.get(Alert, i).student_id for i in sending.alerts_for_opening(
        open_now.get(openings[0].id), open_now, "inmediata")}


def test_the_saved_query_is_the_listing_normalized_and_the_sign_up_alert_matches_it(app, client, frozen_clock):
    frozen_clock(TUESDAY)
    student = factories.student(status="estudiante")
    alert, created = services.save(student.student, MultiDict(
        [("orden", "cierre"), ("pagina", "3"), ("tipo", "empleo"), ("provincia", "1501"), ("q", "  soldador ")]), "diaria")
    assert created and alert.query == "q=soldador&tipo=empleo"  # order, page and a province without its department go
    programme = factories.programme()
    from portal.accounts.registration import initial_alert
    made = initial_alert(student.student, programme)
    assert made.query == services.query_of(services.filters_from(MultiDict(parse_qsl(made.query))))
    assert "familia" in made.query and "provincia=0401" in made.query


def test_a_bad_frequency_changes_nothing(student):
    with pytest.raises(services.AlertError, match="Elige cada cuánto"):
        services.save(student.student, MultiDict([("q", "x")]), "cada hora")
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0


# --- Pages -------------------------------------------------------------------------------


def test_a_student_saves_the_current_search_from_the_listing(student, client, auth, htmx_headers):
    auth.login(student)
    page = client.get("/ofertas?q=electricista&orden=cierre").get_data(as_text=True)
    assert "Avísame de nuevas ofertas así" in page and 'value="q=electricista"' in page
    response = client.post("/estudiante/alertas", data={"busqueda": "q=electricista", "frecuencia": "semanal"})
    assert response.status_code == 303
    [alert] = db.session.scalars(select(Alert))
    assert (alert.query, alert.frequency) == ("q=electricista", "semanal")
    # With htmx the search form as it is now is included, and the box is answered in place.
    response = client.post("/estudiante/alertas", headers=htmx_headers,
                           data={"busqueda": "q=electricista", "q": "soldador", "tipo": "empleo", "orden": "",
                                 "frecuencia": "inmediata"})
    assert response.status_code == 200 and 'id="alert-save"' in response.get_data(as_text=True)
    assert "Guardamos tu alerta" in toast(response)
    assert {a.query for a in db.session.scalars(select(Alert))} == {"q=electricista", "q=soldador&tipo=empleo"}


def test_a_bad_frequency_from_the_listing_says_so_and_saves_nothing(student, client, auth, htmx_headers):
    auth.login(student)
    response = client.post("/estudiante/alertas", headers=htmx_headers, data={"busqueda": "", "frecuencia": "x"})
    assert response.status_code == 422 and "Elige cada cuánto" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0


def test_the_alerts_page_lists_edits_pauses_and_deletes(student, client, auth, htmx_headers, frozen_clock):
    alert = _alert(student, "q=electricista")
    _later(frozen_clock)
    factories.opening(title="Electricista de planta")
    factories.opening(title="Electricista de noche")
    auth.login(student)
    page = client.get("/estudiante/alertas").get_data(as_text=True)
    assert "«electricista»" in page and "2 ofertas abiertas la encuentran ahora" in page
    assert "aún no te enviamos nada" in page
    response = client.post(f"/estudiante/alertas/{alert.id}", headers=htmx_headers,
                           data={"accion": "frecuencia", "frecuencia": "semanal"})
    assert response.status_code == 200 and 'id="alerts"' in response.get_data(as_text=True)
    assert db.session.get(Alert, alert.id).frequency == "semanal"
    client.post(f"/estudiante/alertas/{alert.id}", data={"accion": "pausar"})
    assert db.session.get(Alert, alert.id).paused
    assert "Pausada" in client.get("/estudiante/alertas").get_data(as_text=True)
    client.post(f"/estudiante/alertas/{alert.id}", data={"accion": "reanudar"})
    assert not db.session.get(Alert, alert.id).paused
    bad = client.post(f"/estudiante/alertas/{alert.id}", headers=htmx_headers,
                      data={"accion": "frecuencia", "frecuencia": "mensual"})
    assert bad.status_code == 422 and db.session.get(Alert, alert.id).frequency == "semanal"
    alert_id = alert.id
    client.post(f"/estudiante/alertas/{alert_id}", data={"accion": "borrar"})
    db.session.expire_all()
    assert db.session.get(Alert, alert_id) is None


def test_another_students_alert_is_not_found(student, client, auth):
    alert = _alert(student, "q=electricista")
    other = factories.student(status="estudiante")
    auth.login(other)
    assert client.post(f"/estudiante/alertas/{alert.id}", data={"accion": "borrar"}).status_code == 404
    assert db.session.get(Alert, alert.id) is not None


def test_a_new_student_gets_an_alert_and_the_dashboard_says_so(app, client, auth, frozen_clock):
    frozen_clock(TUESDAY)
    user = factories.student(status="estudiante")
    from portal.accounts.registration import initial_alert
    db.session.add(initial_alert(user.student, factories.programme()))
    db.session.commit()
    auth.login(user)
    page = client.get("/estudiante").get_data(as_text=True)
    assert "Creamos una alerta de empleo con tu programa y tu provincia" in page
    assert "/estudiante/alertas" in page


# --- The emailed unsubscribe link --------------------------------------------------------


def test_the_one_click_unsubscribe_works_without_signing_in_or_a_csrf_token(student, client):
    alert = _alert(student, "q=electricista")
    token = services.unsubscribe_token(alert)
    page = client.get(f"/alertas/baja/{token}").get_data(as_text=True)
    assert "Alerta: «electricista»" in page and "Sí, dejar de recibirla" in page
    assert not db.session.get(Alert, alert.id).paused
    # RFC 8058: the provider posts List-Unsubscribe=One-Click, without a session or token.
    response = client.post(f"/alertas/baja/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "ya no te enviaremos" in response.get_data(as_text=True)
    assert db.session.get(Alert, alert.id).paused


def test_a_bad_or_expired_unsubscribe_link_changes_nothing_and_says_so(student, client, frozen_clock):
    alert = _alert(student, "q=electricista")
    token = services.unsubscribe_token(alert)
    response = client.post(f"/alertas/baja/{token[:-2]}xx")
    assert response.status_code == 400 and "no es válido o ya venció" in response.get_data(as_text=True)
    frozen_clock(TUESDAY + services.UNSUBSCRIBE_MAX_AGE + timedelta(days=1))
    response = client.post(f"/alertas/baja/{token}")
    assert response.status_code == 400 and "No cambiamos nada" in response.get_data(as_text=True)
    assert not db.session.get(Alert, alert.id).paused


def test_the_alert_email_carries_the_rfc_8058_headers(student, frozen_clock, app):
    app.config["MAIL_UNSUBSCRIBE"] = "bajas@enlacecetpro.pe"
    _alert(student, "q=electricista")
    _later(frozen_clock)
    factories.opening(title="Electricista de planta")
    sending.run_digests()
    [email] = _emails()
    message = mail._message(email)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<mailto:bajas@enlacecetpro.pe?subject=baja%20" in message["List-Unsubscribe"]


# --- Through the worker and a real SMTP server ------------------------------------------


def test_the_digest_job_runs_in_the_worker_and_arrives_over_smtp_with_its_headers(student, frozen_clock, runner,
                                                                                  smtp_server):
    _alert(student, "q=electricista")
    address = student.email  # the worker removes the session: read it before
    _later(frozen_clock)
    factories.opening(title="Electricista de planta")
    frozen_clock(datetime(2026, 12, 2, 7, 45))  # after 07:30 Lima: the digest's slot is due
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "alerts-digest" in result.output
    # The digest queued its email; the outbox runs next (as it does every 5 s).
    frozen_clock(datetime(2026, 12, 2, 7, 46))
    runner.invoke(args=["worker", "--once"])
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [address]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stored = db.session.scalar(select(OutboxEmail.list_unsubscribe))
    assert "/alertas/baja/" in stored and message["List-Unsubscribe"].strip() == stored  # whole (a fold is only whitespace)
    assert "Electricista de planta" in message.get_content()
    # A worker started again for the same slot sends nothing more.
    runner.invoke(args=["worker", "--once"])
    assert len(smtp_server.messages) == 1


# --- Sign-up, and the account's end ------------------------------------------------------


def _sign_up(cetpro) -> StudentProfile:
    registration.register_student(registration.StudentRegistration(
        first_names="Rosa", last_names="Quispe", email="rosa.nueva@example.pe", password="una clave bien larga 2026",
        cetpro_id=cetpro.id, programme_id=factories.programme().id, document_type="dni",
        document_number="47123456"))
    return db.session.scalar(select(StudentProfile).join(User).where(User.email == "rosa.nueva@example.pe"))


def test_signing_up_makes_her_programme_and_province_alert(app, frozen_clock):
    frozen_clock(TUESDAY)
    profile = _sign_up(factories.cetpro(department="15", province="1501"))
    [alert] = db.session.scalars(select(Alert).where(Alert.student_id == profile.id))
    programme = factories.programme()
    assert alert.initial and alert.frequency == "semanal" and not alert.paused
    assert (alert.family_id, alert.programme_id, alert.department_code, alert.province_code) == (
        programme.family_id, programme.id, "15", "1501")
    assert services.label(alert).endswith("Provincia: Lima")


def test_an_unconfirmed_sign_up_is_purged_with_its_alert(app, frozen_clock):
    frozen_clock(TUESDAY)
    profile_id = _sign_up(factories.cetpro()).id
    frozen_clock(TUESDAY + timedelta(days=30))
    removed, _kept = registration.purge_unconfirmed()
    assert removed == 1
    assert db.session.scalar(select(func.count()).select_from(Alert).where(Alert.student_id == profile_id)) == 0


def test_her_alerts_are_in_her_data_and_go_when_her_account_is_erased(student, frozen_clock):
    alert = _alert(student, "q=electricista")
    _later(frozen_clock)
    factories.opening(title="Electricista de planta")
    sending.run_digests()
    data, _files = export.collect(student)
    assert data["alertas_de_empleo"][0]["query"] == "q=electricista"
    assert data["alertas_de_empleo"][0]["ofertas_enviadas"] == 1
    deletion.erase(student)
    db.session.commit()
    assert db.session.get(Alert, alert.id) is None
    assert db.session.scalar(select(func.count()).select_from(AlertDelivery)) == 0


def test_a_saved_search_finds_what_the_listing_finds(student, frozen_clock):
    """`OpenOpenings.matching` (what an alert sends from) and the listing's SQL reference
    agree, and `published_since` keeps exactly the openings published from that instant."""
    from portal.openings import listing, queries

    family = factories.programme().family_id
    factories.opening(title="Electricista de planta")
    _later(frozen_clock)
    since = clock.utcnow()
    factories.opening(title="Soldador remoto", work_mode="remoto", department_code="15", province_code="1501")
    factories.opening(title="Electricista practicante", kind="practicas_preprofesionales")
    open_now = listing.open_openings(clock.today())
    for query in ("", "q=electricista", f"familia={family}", "departamento=15", "tipo=empleo&modalidad=remoto",
                  "departamento=04&provincia=0401"):
        filters = services.filters_from(MultiDict(parse_qsl(query)))
        expected = queries.search_openings_sql(filters)
        assert len(open_now.matching(filters)) == expected.total, query
        assert [card.id for card in open_now.matching(filters).first(20)] == [c.id for c in expected.items], query
    assert {card.title for card in open_now.published_since(since).first(10)} == {
        "Soldador remoto", "Electricista practicante"}

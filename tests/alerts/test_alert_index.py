"""The worker's index of the running alerts (portal/alerts/index.py): for a just-published
opening it finds exactly the alerts whose whole search (`sending.new_openings`) holds it, on
random worlds, and it follows every write at once (random writes to alerts, students,
applications, deliveries and openings); writes that change nothing it reads leave its data
version alone."""
import random
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal import clock, versions, vocab
from portal.alerts import index as alert_index
from portal.alerts import sending, services
from portal.extensions import db
from portal.models import Alert, AlertDelivery, Application, DataVersion, Family, Programme, StudentProfile
from portal.openings import listing
from tests import factories
from tests.helpers.statements import recording

START = datetime(2026, 12, 1, 9, 0)
PLACES = [("04", "0401"), ("04", "0402"), ("15", "1501"), ("12", "1201")]
WORDS = ["electricista", "soldador", "cocina", "planta", "electricista planta", "almacen", "zzzz", "--"]
TITLES = ["Electricista de planta", "Soldador de estructuras", "Ayudante de cocina", "Almacenero de planta",
          "Técnico electricista"]
KINDS = sorted(vocab.OPENING_KINDS)
MODES = sorted(vocab.WORK_MODES)


def _programmes() -> list[Programme]:
    return [factories.programme(), factories.programme("Cocina"),
            *db.session.scalars(select(Programme).order_by(Programme.id).limit(3))]


def _search(rng: random.Random, programmes) -> MultiDict:
    """A search as a student makes one: any mix of words and filters (some inconsistent,
    as a hand-edited link may be: the parser drops those)."""
    args = {}
    if rng.random() < 0.4:
        args["q"] = rng.choice(WORDS)
    if rng.random() < 0.6:
        programme = rng.choice(programmes)
        args["familia"] = programme.family_id
        if rng.random() < 0.5:
            args["programa"] = rng.choice(programmes).id  # sometimes of another family
    if rng.random() < 0.6:
        department, province = rng.choice(PLACES)
        args["departamento"] = department
        if rng.random() < 0.5:
            args["provincia"] = rng.choice(PLACES)[1]  # sometimes of another department
    if rng.random() < 0.3:
        args["tipo"] = rng.choice(KINDS)
    if rng.random() < 0.3:
        args["modalidad"] = rng.choice(MODES)
    return MultiDict({key: str(value) for key, value in args.items()})


def _save_alert(rng: random.Random, profile: StudentProfile, programmes) -> None:
    try:
        alert, _ = services.save(profile, _search(rng, programmes), rng.choice(list(vocab.ALERT_FREQUENCIES)))
    except services.AlertError:  # she holds the most alerts she may
        return
    alert.paused = rng.random() < 0.15


def _opening(rng: random.Random, programmes, cetpros, companies):
    programme = rng.choice(programmes)
    department, province = rng.choice(PLACES)
    opening = factories.opening(rng.choice(companies), kind=rng.choice(KINDS), title=rng.choice(TITLES),
                                required_modules=0, work_mode=rng.choice(MODES), department_code=department,
                                province_code=province, family_id=programme.family_id)
    if rng.random() < 0.3:
        opening.programmes = rng.sample(programmes, rng.randint(1, 2))
    if rng.random() < 0.3:
        opening.targets_all_cetpros = False
        opening.cetpros = rng.sample(cetpros, rng.randint(1, 2))
    db.session.commit()
    return opening


def _later(minutes: int, frozen_clock) -> None:
    frozen_clock(clock.now().replace(tzinfo=None) + timedelta(minutes=minutes))


def _graduate(rng: random.Random) -> dict:
    return rng.choice([{"status": "estudiante", "graduation_date": None},
                       {"status": "egresado", "graduation_date": clock.today() - timedelta(days=rng.randint(10, 900))}])


def _world(rng: random.Random, frozen_clock):
    """Students of three CETPROs, every status; alerts saved before, between and after the
    openings were published; some openings applied to or sent already."""
    frozen_clock(START)
    programmes = _programmes()
    cetpros = [factories.cetpro(department=d, province=p) for d, p in PLACES[:3]]
    companies = [factories.company() for _ in range(2)]
    students = [factories.student(rng.choice(cetpros), rng.choice(programmes), **_graduate(rng)).student
                for _ in range(8)]
    openings = []
    for _round in range(3):
        for profile in students:
            for _ in range(rng.randint(1, 4)):
                _save_alert(rng, profile, programmes)
        db.session.commit()
        _later(5, frozen_clock)
        openings += [_opening(rng, programmes, cetpros, companies) for _ in range(5)]
        _later(5, frozen_clock)
    for opening in rng.sample(openings, 4):
        factories.application(opening, rng.choice(students).user)
    alerts = list(db.session.scalars(select(Alert)))
    for alert in rng.sample(alerts, 6):
        db.session.merge(AlertDelivery(alert_id=alert.id, opening_id=rng.choice(openings).id, sent_at=clock.utcnow()))
    db.session.commit()
    return programmes, cetpros, companies, students


def _agrees() -> int:
    """Every open opening against every frequency: the index's answer is the whole searches'.
    Returns how many (alert, opening) pairs were found."""
    open_now = listing.open_openings(clock.today())
    alerts = list(db.session.scalars(select(Alert).order_by(Alert.id)))
    holds = {alert.id: sending.new_openings(alert, open_now) for alert in alerts}
    found_all = 0
    for opening_id in sorted(open_now.ids()):
        for frequency in vocab.ALERT_FREQUENCIES:
            expected = [alert.id for alert in alerts
                        if alert.frequency == frequency and not alert.paused and opening_id in holds[alert.id]]
            found = sending.alerts_for_opening(open_now.get(opening_id), open_now, frequency)
            assert found == expected, (opening_id, frequency)
            found_all += len(found)
    return found_all


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_index_finds_what_each_alerts_whole_search_finds_on_random_worlds(app, frozen_clock, seed):
    rng = random.Random(seed)
    _world(rng, frozen_clock)
    found = _agrees()
    running = db.session.scalar(select(Alert.id).where(Alert.paused.is_(False)).limit(1))
    assert found > 0 and running is not None


WRITES = ("pause", "resume", "frequency", "delete", "save", "status", "cetpro", "apply", "deliver", "publish",
          "created")


def _random_write(rng: random.Random, world, frozen_clock, what: str) -> None:
    """One write of a kind that changes what alerts send (WRITES), on random rows."""
    programmes, cetpros, companies, students = world
    alerts = list(db.session.scalars(select(Alert).order_by(Alert.id)))
    profile = rng.choice(students)
    alert = rng.choice(alerts) if alerts else None
    if alert is None:
        what = "save"
    if what == "pause":
        services.unsubscribe(alert)
    elif what == "resume":
        services.set_paused(alert, False)
    elif what == "frequency":
        services.set_frequency(alert, rng.choice(list(vocab.ALERT_FREQUENCIES)))
    elif what == "delete":
        services.delete(alert)
    elif what == "save":
        _save_alert(rng, profile, programmes)
    elif what == "status":  # a student becomes a graduate (of some time ago), or studies again
        recent = clock.today() - timedelta(days=rng.choice([30, 900]))
        profile.status, profile.graduation_date = (("egresado", recent) if profile.status == "estudiante" else
                                                   ("estudiante", None))
    elif what == "cetpro":
        profile.cetpro_id = rng.choice([cetpro.id for cetpro in cetpros if cetpro.id != profile.cetpro_id])
    elif what == "apply":
        opening_id = rng.choice(sorted(listing.open_openings(clock.today()).ids()))
        if not db.session.scalar(select(Application.id).where(Application.opening_id == opening_id,
                                                               Application.student_id == profile.id)):
            db.session.add(Application(opening_id=opening_id, student_id=profile.id, state="received"))
    elif what == "deliver":
        opening_id = rng.choice(sorted(listing.open_openings(clock.today()).ids()))
        db.session.merge(AlertDelivery(alert_id=alert.id, opening_id=opening_id, sent_at=clock.utcnow()))
    elif what == "publish":
        _later(1, frozen_clock)
        _opening(rng, programmes, cetpros, companies)
    elif what == "created":  # made after or before the openings it could send
        alert.created_at = clock.utcnow() + timedelta(minutes=rng.choice([-60, 60]))
    db.session.commit()


def test_the_index_follows_random_writes_at_once(app, frozen_clock):
    """The index is built once and kept: after each write the next answer must already be
    the whole searches' (the alerts' data version moved with the write, so it is rebuilt)."""
    rng = random.Random(20261204)
    world = _world(rng, frozen_clock)
    _agrees()
    held = alert_index.current(listing.open_openings(clock.today()))
    for _round in range(4):
        for what in rng.sample(WRITES, len(WRITES)):
            _random_write(rng, world, frozen_clock, what)
            assert _agrees() > 0, what
    assert alert_index.current(listing.open_openings(clock.today())) is not held


def _alerts_version() -> int:
    return versions.current(db.session, alert_index.NAME)


def test_what_the_index_reads_moves_its_version_and_nothing_else_does(app, frozen_clock):
    """Sending an alert (last_sent_at), a student's CV or district, the columns saved beside
    the query: the version stays, and the index kept answers as one built afresh. Her status,
    her CETPRO, an alert paused or saved: it moves."""
    frozen_clock(START)
    student = factories.student(status="estudiante")
    profile = student.student
    alert, _ = services.save(profile, MultiDict(parse_qsl("q=electricista&departamento=04")), "inmediata")
    db.session.commit()
    _later(5, frozen_clock)
    opening = factories.opening(title="Electricista de planta")
    other = db.session.scalar(select(Programme).where(Programme.id != profile.programme_id).limit(1))
    family = db.session.scalar(select(Family.id).where(Family.id != other.family_id).limit(1))
    unseen = {
        "alerts": {"words": "soldador", "family_id": family, "programme_id": other.id, "department_code": "15",
                   "province_code": "1501", "kind": "pasantia", "work_mode": "remoto", "initial": True,
                   "last_sent_at": clock.utcnow()},
        "student_profiles": {"user_id": factories.admin().id, "programme_id": other.id, "level": "auxiliar_tecnico", "document_type": "ce",
                             "document_number": "001234567", "birth_date": datetime(2000, 1, 2).date(),
                             "department_code": "15", "province_code": "1501", "district_code": "150101",
                             "availability": "Tardes", "sex": vocab.SEXES and sorted(vocab.SEXES)[0],
                             "open_to_offers": False, "verification_state": "rejected",
                             "verification_note": "Revisar", "cv_path": "cv/x.pdf",
                             "cv_uploaded_at": clock.utcnow(), "updated_at": clock.utcnow()},
    }
    rows = {"alerts": alert, "student_profiles": profile}
    for table, values in unseen.items():
        assert set(values) == {c for c in versions.UNSEEN[table] if c in rows[table].__table__.c}, table
    open_now = listing.open_openings(clock.today())
    for table, values in unseen.items():
        for column, value in values.items():
            expected_before = sending.alerts_for_opening(open_now.get(opening.id), open_now, "inmediata")
            before = _alerts_version()
            setattr(rows[table], column, value)
            db.session.commit()
            assert _alerts_version() == before, f"{table}.{column}"
            kept = sending.alerts_for_opening(open_now.get(opening.id), open_now, "inmediata")
            app.extensions.pop("alert_index")
            assert kept == sending.alerts_for_opening(open_now.get(opening.id), open_now, "inmediata") \
                == expected_before, f"{table}.{column} is read by the alerts' index"
    assert sending.alerts_for_opening(open_now.get(opening.id), open_now, "inmediata") == [alert.id]
    for change in (lambda: setattr(profile, "status", "egresado") or setattr(
                       profile, "graduation_date", clock.today() - timedelta(days=30)),
                   lambda: setattr(profile, "cetpro_id", factories.cetpro().id),
                   lambda: services.set_paused(alert, True),
                   lambda: services.save(profile, MultiDict([("q", "soldador")]), "diaria")):
        before = _alerts_version()
        change()
        db.session.commit()
        assert _alerts_version() > before


def test_a_changed_catalogue_is_parsed_again(app, frozen_clock):
    """A saved programme that moved to another family is dropped by the parser (the search
    then takes the whole family): the index follows the catalogue, not the saved columns."""
    frozen_clock(START)
    student = factories.student(status="estudiante")
    programme = factories.programme()
    alert, _ = services.save(student.student, MultiDict(
        [("familia", str(programme.family_id)), ("programa", str(programme.id))]), "inmediata")
    db.session.commit()
    _later(5, frozen_clock)
    sibling = db.session.scalar(select(Programme).where(Programme.family_id == programme.family_id,
                                                        Programme.id != programme.id).limit(1))
    opening = factories.opening(family_id=programme.family_id)
    opening.programmes = [sibling]
    db.session.commit()
    open_now = listing.open_openings(clock.today())
    assert sending.alerts_for_opening(open_now.get(opening.id), open_now, "inmediata") == []
    elsewhere = db.session.scalar(select(Family.id).where(Family.id != programme.family_id).limit(1))
    db.session.get(Programme, programme.id).family_id = elsewhere
    db.session.commit()
    open_now = listing.open_openings(clock.today())
    assert opening.id in sending.new_openings(alert, open_now)
    assert sending.alerts_for_opening(open_now.get(opening.id), open_now, "inmediata") == [alert.id]


def test_the_alerts_version_watches_exactly_what_the_index_reads(app, frozen_clock):
    """A table the index reads but its version does not watch would leave the worker sending
    by stale alerts; one watched but not read would rebuild it for nothing. Recorded from
    the statements a build executes (the listing, already loaded, is the openings' version's)."""
    frozen_clock(START)
    student = factories.student(status="estudiante")
    programme = factories.programme()
    services.save(student.student, MultiDict(parse_qsl(
        f"q=electricista&familia={programme.family_id}&programa={programme.id}&departamento=04")), "inmediata")
    db.session.commit()
    _later(5, frozen_clock)
    opening_id = factories.opening(title="Electricista de planta").id
    open_now = listing.open_openings(clock.today())
    open_now.matching(services.search_filters("q=electricista"))  # the listing's words, remembered
    app.extensions.pop("alert_index", None)
    with recording() as read:
        assert alert_index.current(open_now).meeting(open_now.get(opening_id), open_now, "inmediata")
    assert read - {DataVersion.__tablename__} == versions.WATCHED[alert_index.NAME]

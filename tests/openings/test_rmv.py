"""The RMV table (portal/openings/rmv.py): the one rule that reads it, around an effective date
in Lima's calendar; the checks on a new rate; which openings fall below it; adding, correcting
and withdrawing, audited, with the employers told."""
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Notification, OutboxEmail, RmvRate
from portal.openings import rmv, services
from portal.openings.rmv import RateData
from tests import factories

NEW_DAY = date(2026, 5, 1)
PREPRO = dict(kind="practicas_preprofesionales", hours_per_day=D(6), hours_per_week=D(30))


@pytest.fixture
def before_may(frozen_clock):
    """Noon in Lima on 1 March 2026: S/ 1,130 in force, 1 May 2026 in the future."""
    frozen_clock(datetime(2026, 3, 1, 12, 0))
    return frozen_clock


def rate(amount: str = "1200", on: date = NEW_DAY, basis: str = "D.S. 001-2026-TR") -> RmvRate:
    row = RmvRate(effective_from=on, amount=D(amount), legal_basis=basis)
    db.session.add(row)
    db.session.commit()
    return row


def opening_data(**changes) -> services.OpeningData:
    programme = factories.programme()
    base = dict(title="Practicante de electricidad", description="Apoyo en instalaciones.",
                family_id=programme.family_id, work_mode="presencial", vacancies=1,
                pay_monthly=D("1130"), start_date=NEW_DAY, deadline=date(2026, 4, 20), **PREPRO)
    base.update(changes)
    return services.OpeningData(**base)


# --- the rule: the rate in force on the start date, or today ------------------------------

def test_seeded_rates_around_their_effective_date(app):
    assert rmv.in_force(date(2024, 12, 31)).amount == D("1025.00")
    assert rmv.in_force(date(2025, 1, 1)).amount == D("1130.00")
    assert rmv.in_force(date(2025, 1, 2)).amount == D("1130.00")
    assert rmv.in_force(date(2018, 4, 1)).amount == D("930.00")
    assert rmv.in_force(date(2018, 3, 31)) is None


@pytest.mark.parametrize(("start", "refused"), [
    (date(2026, 4, 30), False),  # the day before: S/ 1,130 still rules
    (date(2026, 5, 1), True),    # the day: S/ 1,200
    (date(2026, 5, 2), True),    # the day after
])
def test_an_opening_is_checked_against_the_rate_on_its_start_date(app, before_may, start, refused):
    rate("1200")
    problems = services.legal_problems(opening_data(start_date=start))
    if refused:
        assert "S/\xa01,200.00" in problems["pay_monthly"][0]
        assert "vigente desde el 1 may. 2026" in problems["pay_monthly"][0]
    else:
        assert problems == {}


@pytest.mark.parametrize(("lima", "refused"), [
    (datetime(2026, 4, 30, 12, 0), False),
    # 20:00 in Lima is already 1 May on a UTC server: Lima's date still rules.
    (datetime(2026, 4, 30, 20, 0), False),
    (datetime(2026, 5, 1, 0, 5), True),
    (datetime(2026, 5, 2, 9, 0), True),
])
def test_without_a_start_date_today_in_lima_decides(app, before_may, lima, refused):
    rate("1200")
    before_may(lima)
    problems = services.legal_problems(opening_data(start_date=None))
    assert bool(problems) is refused


def test_publishing_uses_the_rate_of_the_start_date(app, before_may):
    rate("1200")
    company = factories.company()
    late = factories.opening(company, state="draft", start_date=NEW_DAY, deadline=date(2026, 4, 20),
                             pay_monthly=D("1130"), **PREPRO)
    early = factories.opening(company, state="draft", start_date=date(2026, 4, 30), deadline=date(2026, 4, 20),
                              pay_monthly=D("1130"), **PREPRO)
    actor = factories.employer(company)
    with pytest.raises(services.OpeningError, match="1,200.00"):
        services.publish(late, actor)
    db.session.rollback()
    services.publish(early, actor)
    assert early.state == "published"


# --- checking a new rate ---------------------------------------------------------------------

@pytest.mark.parametrize(("when", "amount", "field", "words"), [
    (date(2026, 3, 1), "1200", "effective_from", "desde mañana (2 mar. 2026)"),   # today
    (date(2026, 2, 28), "1200", "effective_from", "ya vigente no se cambia"),      # the past
    (date(2025, 1, 1), "1200", "effective_from", "ya vigente no se cambia"),       # a rate in force
    (date(2028, 3, 2), "1200", "effective_from", "próximos dos años"),
    (None, "1200", "effective_from", "Escribe la fecha"),
    (NEW_DAY, None, "amount", "Escribe el monto"),
    (NEW_DAY, "0", "amount", "mayor que cero"),
    (NEW_DAY, "-5", "amount", "mayor que cero"),
    (NEW_DAY, "1200.505", "amount", "dos decimales"),
    (NEW_DAY, "100000", "amount", "menor de S/"),
    (NEW_DAY, "113", "amount", "La RMV no baja: antes de esa fecha rige S/\xa01,130.00"),
    (NEW_DAY, "2261", "amount", "más del doble"),
])
def test_a_new_rate_is_refused_with_a_clear_message(app, before_may, when, amount, field, words):
    found = rmv.problems(RateData(when, D(amount) if amount else None))
    assert words in " ".join(found[field])


def test_tomorrow_is_the_first_date_allowed_and_a_date_is_taken_once(app, before_may):
    assert rmv.problems(RateData(date(2026, 3, 2), D("1130"))) == {}
    assert rmv.problems(RateData(date(2028, 3, 1), D("2260"))) == {}
    rate("1200")
    assert "Ya hay una RMV desde el 1 may. 2026" in rmv.problems(RateData(NEW_DAY, D("1250")))["effective_from"][0]


def test_a_correction_is_checked_without_the_rate_it_replaces(app, before_may):
    planned = rate("1200")
    assert rmv.problems(RateData(NEW_DAY, D("1180")), replacing=planned) == {}
    # A later rate is compared with the planned one before it.
    assert "rige S/\xa01,200.00" in rmv.problems(RateData(date(2026, 7, 1), D("1150")))["amount"][0]


# --- which openings fall below ---------------------------------------------------------------

def test_below_lists_the_published_openings_the_new_rate_would_refuse(app, before_may):
    company = factories.company(legal_name="Eléctrica Andina S.A.C.")
    below = factories.opening(company, title="Practicante A", pay_monthly=D("1130"), start_date=NEW_DAY, **PREPRO)
    undated = factories.opening(company, title="Practicante B", pay_monthly=D("1130"), start_date=None, **PREPRO)
    job = factories.opening(company, title="Operario", kind="empleo", pay_monthly=D("1130"), start_date=NEW_DAY)
    part_time = factories.opening(company, title="Practicante C", kind="practicas_preprofesionales",
                                  hours_per_day=D(4), hours_per_week=D(20), pay_monthly=D("799.99"),
                                  start_date=date(2026, 6, 1))
    # Not below: starts before the date, pays enough, proportional pay that is enough, a draft, a closed one.
    factories.opening(company, title="Empieza antes", pay_monthly=D("1130"), start_date=date(2026, 4, 30), **PREPRO)
    factories.opening(company, title="Paga bien", pay_monthly=D("1200"), start_date=NEW_DAY, **PREPRO)
    factories.opening(company, title="Medio tiempo justo", kind="practicas_preprofesionales", hours_per_day=D(4),
                      hours_per_week=D(20), pay_monthly=D("800"), start_date=NEW_DAY)
    factories.opening(company, title="Borrador", state="draft", pay_monthly=D("1130"), start_date=NEW_DAY, **PREPRO)
    factories.opening(company, title="Cerrada", state="closed", pay_monthly=D("1130"), start_date=NEW_DAY, **PREPRO)

    found = rmv.below(RateData(NEW_DAY, D("1200")))
    assert {f.opening_id for f in found} == {below.id, undated.id, job.id, part_time.id}
    minimum = {f.opening_id: f.minimum for f in found}
    assert minimum[below.id] == D("1200.00") and minimum[part_time.id] == D("800.00")
    assert {f.company_name for f in found} == {"Eléctrica Andina S.A.C."}


def test_an_opening_governed_by_a_later_rate_is_not_below_an_earlier_one(app, before_may):
    rate("1300", on=date(2026, 7, 1))
    company = factories.company()
    july = factories.opening(company, pay_monthly=D("1300"), start_date=date(2026, 7, 1), **PREPRO)
    may = factories.opening(company, pay_monthly=D("1130"), start_date=NEW_DAY, **PREPRO)
    found = {f.opening_id for f in rmv.below(RateData(NEW_DAY, D("1200")))}
    assert found == {may.id} and july.id not in found


# --- adding, correcting, withdrawing ---------------------------------------------------------

def test_adding_a_rate_tells_the_employers_below_it_and_is_audited(app, before_may):
    admin = factories.admin()
    company = factories.company()
    owner = factories.employer(company, email="duena@andina.pe")
    factories.employer(company, email="pendiente@andina.pe", state="pending")
    fine = factories.company()
    fine_owner = factories.employer(fine)
    opening = factories.opening(company, title="Practicante de tableros", pay_monthly=D("1130"),
                                start_date=NEW_DAY, **PREPRO)
    factories.opening(fine, pay_monthly=D("1500"), start_date=NEW_DAY, **PREPRO)

    new, told = rmv.add(RateData(NEW_DAY, D("1200"), "  D.S. 001-2026-TR "), admin)

    assert told == 1
    assert (new.effective_from, new.amount, new.legal_basis) == (NEW_DAY, D("1200.00"), "D.S. 001-2026-TR")
    notices = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind, n.url) for n in notices] == [(owner.id, "rmv-changed", f"/empresa/ofertas/{opening.id}/editar")]
    assert "desde el 1 may. 2026 será S/ 1,200.00" in notices[0].message  # notify() folds the no-break space
    assert "«Practicante de tableros»" in notices[0].message
    [email] = db.session.scalars(select(OutboxEmail)).all()
    assert email.to_address == "duena@andina.pe"
    assert f"http://localhost/empresa/ofertas/{opening.id}/editar" in email.body_text
    assert "el mínimo será S/\xa01,200.00" in email.body_text
    assert fine_owner.id not in {n.user_id for n in notices}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rmv.added"))
    assert (event.actor_id, event.object_id) == (admin.id, new.id)
    assert event.data == {"effective_from": "2026-05-01", "amount": "1200.00", "legal_basis": "D.S. 001-2026-TR",
                          "openings_below": 1, "companies_told": 1}


def test_a_company_with_several_openings_below_is_told_once_with_a_link_to_its_panel(app, before_may):
    company = factories.company()
    owner = factories.employer(company)
    for title in ("Practicante uno", "Practicante dos"):
        factories.opening(company, title=title, pay_monthly=D("1130"), start_date=NEW_DAY, **PREPRO)
    _, told = rmv.add(RateData(NEW_DAY, D("1200")), factories.admin())
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == owner.id)).all()
    assert told == 1 and notice.url == "/empresa"
    assert "2 de tus ofertas publicadas quedan por debajo" in notice.message


def test_a_broken_rate_changes_nothing(app, before_may):
    with pytest.raises(rmv.RmvError) as error:
        rmv.add(RateData(date(2026, 3, 1), D("1200")), factories.admin())
    assert "effective_from" in error.value.problems
    db.session.rollback()
    assert db.session.scalar(select(RmvRate).where(RmvRate.effective_from == date(2026, 3, 1))) is None
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_a_future_rate_is_corrected_and_audited_and_employers_told_again(app, before_may):
    planned = rate("1150")
    company = factories.company()
    owner = factories.employer(company)
    factories.opening(company, pay_monthly=D("1180"), start_date=NEW_DAY, **PREPRO)
    corrected, told = rmv.correct(planned, RateData(date(2026, 6, 1), D("1200")), factories.admin())
    assert (corrected.id, corrected.effective_from, corrected.amount) == (planned.id, date(2026, 6, 1), D("1200"))
    assert told == 0  # the opening starts in May, before the corrected date
    corrected, told = rmv.correct(planned, RateData(NEW_DAY, D("1200")), factories.admin())
    assert told == 1
    assert "Se corrigió la RMV programada" in db.session.scalar(
        select(Notification.message).where(Notification.user_id == owner.id))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rmv.corrected")
                               .order_by(AuditEvent.id)).first()
    assert event.data["before"]["amount"] == "1150.00" and event.data["after"]["effective_from"] == "2026-06-01"


def test_a_rate_in_force_is_never_corrected_nor_withdrawn(app, before_may):
    in_force = rmv.in_force()
    assert rmv.future(in_force.id) is None
    with pytest.raises(rmv.RmvError, match="ya está vigente"):
        rmv.correct(in_force, RateData(NEW_DAY, D("1200")), factories.admin())
    with pytest.raises(rmv.RmvError, match="ya está vigente"):
        rmv.withdraw(in_force, factories.admin())
    db.session.rollback()
    assert rmv.in_force().amount == D("1130.00")


def test_a_planned_rate_stops_being_editable_on_its_day(app, before_may):
    planned = rate("1200")
    assert rmv.future(planned.id) == planned
    before_may(datetime(2026, 4, 30, 23, 59))
    assert rmv.future(planned.id) == planned
    before_may(datetime(2026, 5, 1, 0, 0))
    assert rmv.future(planned.id) is None
    assert [row.status for row in rmv.table()] == ["vigente", "anterior", "anterior", "anterior"]


def test_withdrawing_a_future_rate_tells_the_employers_it_would_have_affected(app, before_may):
    planned = rate("1200")
    company = factories.company()
    owner = factories.employer(company)
    factories.opening(company, pay_monthly=D("1130"), start_date=NEW_DAY, **PREPRO)
    was, told = rmv.withdraw(planned, factories.admin())
    assert (was.amount, told) == (D("1200.00"), 1)
    assert db.session.get(RmvRate, planned.id) is None
    message = db.session.scalar(select(Notification.message).where(Notification.user_id == owner.id))
    assert "Se retiró la RMV de S/ 1,200.00" in message and "sigue rigiendo S/ 1,130.00" in message
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "RmvRate")) == "rmv.withdrawn"


def test_the_table_says_which_rate_is_in_force(app, before_may):
    rate("1200")
    rows = rmv.table()
    assert [(r.rate.effective_from, r.status) for r in rows] == [
        (NEW_DAY, "programada"), (date(2025, 1, 1), "vigente"),
        (date(2022, 5, 1), "anterior"), (date(2018, 4, 1), "anterior"),
    ]
    assert [r.editable for r in rows] == [True, False, False, False]

"""A busy world: the pages that repeat a block per row, with many rows, made the way people make them.

The demo has two or three rows where a real CETPRO has dozens, and a defect that lives in a
repeated block (two landmarks with the same name, two ids alike) only shows with several.
So this world is built through the portal's own services, as a season of use would build it:
companies post openings (`openings.services`), students apply (`applications.services`),
employers move them through every state and hire a dozen into prácticas and empleo
(`placements.services.move`), coordinators record work found elsewhere, convenios de prácticas
and follow-ups (`placements.services`), propose and accept convenios (`convenios.services`),
nominate (`matching.services`), students sign up and wait to be verified
(`accounts.registration`), openings get reported (`openings.moderation`); every notification and
email is the one those services send. Only accounts, CETPROs and companies come from
`tests.factories` (the people the season starts with).

`busy_world()` returns who is who and `busy_pages(role, world)` the pages to check as each role.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal import clock
from portal.accounts import registration
from portal.applications import services as applications
from portal.convenios import services as convenios
from portal.extensions import db
from portal.matching import services as matching
from portal.models import Application, Cetpro, Company, Opening, OpeningReport, Placement, User
from portal.openings import moderation
from portal.openings import services as openings
from portal.placements import services as placements
from tests import factories

COORDINATOR = "coordinacion@misti.edu.pe"
EMPLOYER = "rrhh@elecsur.pe"
STUDENT = "milagros.quispe@correo.pe"
ADMIN = "soporte@enlace.pe"
EMAILS = {"student": STUDENT, "employer": EMPLOYER, "coordinator": COORDINATOR, "admin": ADMIN}

HIRES_PER_OPENING = 6
# Applicants of the pipeline opening, by the state they end in (every state there is).
PIPELINE = {"received": 2, "viewed": 2, "in_review": 2, "finalist": 2, "hired": 1, "rejected": 2, "withdrawn": 1}
NOMINATED = 6
PENDING_SIGNUPS = 4

FIRST = ("Milagros", "Luz", "Jhon", "Rosa", "Kevin", "Yeni", "Wilber", "Sonia", "Percy", "Maribel", "Edwin",
         "Gladys", "Ronald", "Elena", "Franklin", "Nelly", "Hugo", "Carmen", "Julio", "Flor", "Raúl", "Pilar",
         "Iván", "Ruth", "Marco", "Delia", "Óscar", "Norma", "Víctor", "Zulema", "Abel", "Inés", "Teófilo",
         "Betty", "Walter", "Lidia", "César", "Olga", "Amado", "Rocío")
LAST = ("Quispe Cáceres", "Mamani Ccori", "Huamán Torres", "Condori Apaza", "Flores Nina", "Choque Vilca",
        "Ticona Paredes", "Ccama Luque", "Apaza Rojas", "Puma Chávez")


@dataclass
class BusyWorld:
    cetpro: Cetpro
    company: Company
    users: dict[str, User]
    practicas: Opening
    empleo: Opening
    pipeline: Opening
    nominations: Opening
    application: Application
    counts: dict[str, int] = field(default_factory=dict)


def _person(n: int) -> tuple[str, str]:
    return FIRST[n % len(FIRST)], LAST[(n // len(FIRST) + n) % len(LAST)]


class _Season:
    """One season of use, in the order it happens."""

    def __init__(self) -> None:
        self.today = clock.today()
        self.electricidad = factories.programme("Electricidad")
        self.modules = list(self.electricidad.modules)
        self.n = 0

    def student(self, cetpro: Cetpro, email: str | None = None, graduated_days_ago: int = 200) -> User:
        first, last = _person(self.n)
        self.n += 1
        user = factories.student(cetpro, self.electricidad, email=email, modules=3,
                                 graduation_date=self.today - timedelta(days=graduated_days_ago))
        return factories.named(user, first, last)

    def opening(self, company: Company, employer: User, title: str, kind: str, vacancies: int,
                hours: tuple[int, int] = (8, 48), pay: int = 1800) -> Opening:
        data = openings.OpeningData(
            title=title, kind=kind, vacancies=vacancies, work_mode="presencial",
            description=f"{title}: trabajo en planta y en obra con un supervisor, EPP a cargo de la empresa.",
            family_id=self.electricidad.family_id, department_code="04", province_code="0401",
            hours_per_day=Decimal(hours[0]), hours_per_week=Decimal(hours[1]), pay_monthly=Decimal(pay),
            start_date=self.today + timedelta(days=30), deadline=self.today + timedelta(days=20),
            programme_ids=[self.electricidad.id], required_module_ids=[m.id for m in self.modules[:2]],
            desired_module_ids=[self.modules[2].id], required_skills=["Trabajo en altura"],
        )
        return openings.publish(openings.create_draft(company, employer, data), employer)

    @staticmethod
    def apply(student: User, opening: Opening) -> Application:
        application, _created = applications.apply(student.student, opening, "Tengo mis certificados modulares.")
        return application

    def move(self, employer: User, application: Application, *path: str, start: date | None = None,
             reason: str = "schedule") -> None:
        for state in path:
            placements.move(employer, application, applications.Move(
                state, reason=reason if state == "rejected" else None,
                start_date=start if state == "hired" else None))


def busy_world() -> BusyWorld:
    """Build the busy world through the services; who is who, and how many rows of each it made."""
    season = _Season()
    today = season.today
    admin = factories.admin(email=ADMIN)
    cetpro = factories.cetpro(name="CETPRO Técnico Industrial Misti", district_code="040112")
    coordinator = factories.coordinator(cetpro, email=COORDINATOR)
    factories.named(coordinator, "Rosa", "Huamán Valdivia")
    company = factories.company(legal_name="Instalaciones Eléctricas del Sur S.A.C.", trade_name="Elecsur")
    employer = factories.named(factories.employer(company, email=EMPLOYER), "Jorge", "Salas Pinto")
    other = factories.company(legal_name="Metalmecánica Andina S.A.C.", trade_name="Metalandina")
    other_employer = factories.employer(other)

    # Convenios: several with each company, in every state a list shows.
    for kind, accept in (("marco", True), ("practicas", True), ("efsrt", False)):
        convenio, _ = convenios.propose(coordinator, "cetpro", cetpro, company, convenios.ConvenioData(
            kind=kind, start_date=today - timedelta(days=40), end_date=today + timedelta(days=20 if kind == "marco" else 330),
            places_per_term=6, notes="Prácticas en planta y en obra."))
        convenios.decide(employer, convenio, accept)
    convenio, _ = convenios.propose(other_employer, "company", cetpro, other, convenios.ConvenioData(
        kind="practicas", start_date=today, end_date=today + timedelta(days=365), places_per_term=4))
    convenios.decide(coordinator, convenio, True)
    convenios.propose(other_employer, "company", cetpro, other, convenios.ConvenioData(
        kind="marco", start_date=today, end_date=None))

    practicas = season.opening(company, employer, "Practicante profesional de electricidad industrial",
                               "practicas_profesionales", vacancies=HIRES_PER_OPENING, pay=1130)
    empleo = season.opening(company, employer, "Técnico(a) electricista de mantenimiento", "empleo",
                            vacancies=HIRES_PER_OPENING)
    pipeline = season.opening(company, employer, "Técnico(a) en tableros eléctricos", "empleo", vacancies=2)
    nominations = season.opening(company, employer, "Electricista de instalaciones domiciliarias", "empleo",
                                 vacancies=3)
    elsewhere = season.opening(other, other_employer, "Electricista de mantenimiento de planta", "empleo",
                               vacancies=2, pay=2200)

    # The student whose pages are checked: applies everywhere, and hears about every step.
    student = season.student(cetpro, STUDENT, graduated_days_ago=330)
    mine = [season.apply(student, opening) for opening in (practicas, pipeline, elsewhere)]
    season.move(employer, mine[1], "in_review", "finalist")
    applications.mark_viewed(mine[0])
    season.move(other_employer, mine[2], "in_review", "rejected")

    # A dozen hires, through the pipeline, started over the last year: six into prácticas (each
    # with its convenio de prácticas), six into empleo.
    hired = 0
    for opening in (practicas, empleo):
        for n in range(HIRES_PER_OPENING):
            person = season.student(cetpro, graduated_days_ago=330)
            application = season.apply(person, opening)
            season.move(employer, application, "in_review", "hired",
                        start=today - timedelta(days=20 + 55 * n + (10 if opening is empleo else 0)))
            hired += 1
    # Work found outside the portal, recorded by the coordinator, older: 12-month follow-ups too.
    for n, years in enumerate((1.2, 1.6)):
        person = season.student(cetpro, graduated_days_ago=800)
        placements.record_manual(coordinator, placements.PlacementData(
            student_id=person.student.id, employer_name=f"Taller Eléctrico Chili {n + 1}", employer_ruc="",
            job_title="Electricista", kind="empleo" if n else "pasantia",
            start_date=today - timedelta(days=int(365 * years)), pay_min=Decimal(1200), pay_max=Decimal(1500),
            department_code="04"))
    # Convenio de prácticas checklist: some signed and registered, some signed only, some not yet.
    practice_placements = list(db.session.scalars(
        select(Placement).join(Application, Placement.application_id == Application.id)
        .where(Application.opening_id == practicas.id).order_by(Placement.start_date)))
    for n, placement in enumerate(practice_placements):
        signed = placement.start_date - timedelta(days=3)
        if n % 3 == 0:
            placements.record_agreement(coordinator, placement, signed, signed + timedelta(days=5 + 10 * (n % 2)))
        elif n % 3 == 1:
            placements.record_agreement(coordinator, placement, signed, None)
    # Follow-ups: the scheduler asks every graduate whose 3, 6 or 12 months came; some answered.
    placements.schedule_due(today)
    for n, placement in enumerate(practice_placements[:3]):
        placements.answer_for(coordinator, placement, 3, ("still_there", "elsewhere", "not_working")[n],
                              "Minera Cerro Verde" if n == 1 else None)

    # A pipeline with applicants in every state.
    for state, count in PIPELINE.items():
        for _ in range(count):
            person = season.student(cetpro)
            application = season.apply(person, pipeline)
            path = {"received": (), "viewed": (), "in_review": ("in_review",),
                    "finalist": ("in_review", "finalist"), "hired": ("in_review", "hired"),
                    "rejected": ("in_review", "rejected"), "withdrawn": ()}[state]
            season.move(employer, application, *path, start=today)
            if state == "viewed":
                applications.mark_viewed(application)
            if state == "withdrawn":
                applications.withdraw(person.student, application)

    # Candidates, nominated by the coordinator (the employer sees them as "Recomendados").
    for n in range(NOMINATED + 4):
        person = season.student(cetpro)
        if n < NOMINATED:
            matching.nominate(coordinator, nominations, person.student,
                              "Destacó en el taller y vive cerca del local.")
    matching.nominate(coordinator, nominations, student.student, "Muy responsable y puntual.")

    # Students who signed up by themselves and wait for their CETPRO to verify them.
    for n in range(PENDING_SIGNUPS):
        first, last = _person(100 + n)
        registration.register_student(registration.StudentRegistration(
            first_names=first, last_names=last, email=f"postulante{n}@correo.pe", password="clave-segura-2026",
            cetpro_id=cetpro.id, programme_id=season.electricidad.id, document_type="dni",
            document_number=f"{71000000 + n:08d}"))

    # Reports for the admin and the coordinator to look at.
    for opening, reason, details in ((elsewhere, "charges_fee", "Piden S/ 50 para la evaluación."),
                                     (elsewhere, "illegal_pay", None), (empleo, "fake", None),
                                     (nominations, "other", "El local no existe en esa dirección.")):
        moderation.report(opening, student, reason, details)

    db.session.expire_all()
    counts = {
        "hires": hired, "reports": len(db.session.scalars(select(OpeningReport.id)).all()),
        "pipeline": sum(PIPELINE.values()),
    }
    return BusyWorld(cetpro=cetpro, company=company, practicas=practicas, empleo=empleo, pipeline=pipeline,
                     nominations=nominations, application=mine[1], counts=counts,
                     users={"student": student, "employer": employer, "coordinator": coordinator, "admin": admin})


def busy_pages(role: str, world: BusyWorld) -> list[str]:
    """The pages of `role` that repeat a block per row, in the busy world."""
    if role == "coordinator":
        return [
            "/coordinador", "/coordinador/colocaciones", "/coordinador/colocaciones?vencidos=1",
            "/coordinador/estudiantes", "/coordinador/estudiantes?verificacion=pendiente",
            f"/coordinador/ofertas/{world.nominations.id}/candidatos", "/coordinador/convenios",
            "/coordinador/reportes", "/coordinador/empresas", "/notificaciones",
        ]
    if role == "employer":
        return [
            "/empresa", f"/empresa/ofertas/{world.pipeline.id}/postulantes",
            f"/empresa/ofertas/{world.practicas.id}/postulantes",
            f"/empresa/ofertas/{world.nominations.id}/recomendados",
            f"/empresa/postulaciones/{world.application.id}", "/empresa/convenios", "/notificaciones",
        ]
    if role == "student":
        return ["/estudiante", "/estudiante/postulaciones", "/estudiante/recomendadas", "/notificaciones"]
    if role == "admin":
        report = db.session.scalar(select(OpeningReport.id).order_by(OpeningReport.id))
        return ["/admin", "/admin/denuncias", f"/admin/denuncias/{report}", "/admin/empresas", "/admin/reportes",
                "/admin/correos"]
    if role == "public":
        return ["/", "/ofertas"]
    raise ValueError(f"no such role: {role}")


"""A small two-tenant world for the trust tests: two CETPROs (A and B), two companies,
each with its people, openings, applications, a placement, a convenio, a nomination and
notifications. Side A is "ours", side B is "the other tenant". Every student carries
distinctive personal data (name, DNI, email, phone) so a leak is easy to spot."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from portal import clock, uploads, vocab
from portal.apitokens import services as apitokens
from portal.audit import audit
from portal.extensions import db
from portal.models import (
    Certificate,
    CompanyInvitation,
    Convenio,
    Interview,
    InterviewSlot,
    Nomination,
    Notification,
    OpeningReport,
    Placement,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests import factories
from tests.helpers.files import PNG

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Distinctive personal data: words that appear nowhere else in the portal.
PEOPLE = {
    "A1": ("Zenobia", "Quillahuaman Ayar", "71836401", "987650101"),
    "A2": ("Wenceslao", "Chuquimia Tinta", "71836402", "987650102"),
    "A3": ("Eufrosina", "Ccahuana Pilco", "71836403", "987650103"),
    "B1": ("Teodolinda", "Huillcahuaman Sacsa", "72945501", "986540201"),
    "B2": ("Anaximandro", "Yupanquilla Colque", "72945502", "986540202"),
}


@dataclass
class Side:
    cetpro: object = None
    company: object = None
    employer: User | None = None
    coordinator: User | None = None
    students: dict = field(default_factory=dict)
    opening: object = None
    draft: object = None
    application: object = None
    placement: object = None
    convenio: object = None
    nomination: object = None
    report: object = None  # "Reportar esta oferta", on an opening meant for this side's CETPRO only
    invitation: object = None  # a pending team invitation of this side's company
    certificate: object = None  # a certificado modular of the first student
    interview: object = None  # an interview the employer proposed to the first student
    webhook: object = None  # the CETPRO's webhook endpoint (/coordinador/webhooks)
    delivery: object = None  # one failed delivery of it, with the first student's data
    webhook_ids: tuple = ()  # (endpoint id, delivery id): the fuzz test may delete them
    api_token: object = None  # an API token of this side's CETPRO (every scope)
    api_secret: str = ""  # its secret, for calls to /api/v1


@dataclass
class World:
    a: Side
    b: Side
    admin: User
    notifications: dict  # user id -> notification id

    def personal_data(self, *keys: str) -> list[str]:
        """The personal data strings of the named students (e.g. "B1")."""
        found = []
        for key in keys:
            first, last, dni, phone = PEOPLE[key]
            found += [first, last.split()[0], dni, phone, f"trust.{key.lower()}@example.pe"]
        return found


def _student(cetpro, key: str) -> User:
    first, last, dni, phone = PEOPLE[key]
    user = factories.student(cetpro, email=f"trust.{key.lower()}@example.pe", document_number=dni)
    user.first_names, user.last_names, user.phone = first, last, phone
    user.student.cv_path = uploads.store_bytes(PDF, "cvs", "pdf")
    db.session.commit()
    return user


def _notify(user: User, url: str = "/panel") -> int:
    row = Notification(user_id=user.id, kind="trust", message="Aviso de prueba", url=url)
    db.session.add(row)
    db.session.commit()
    return row.id


def _side(letter: str, department: str, province: str) -> Side:
    side = Side()
    side.cetpro = factories.cetpro(name=f"CETPRO Trust {letter}", department=department, province=province)
    side.company = factories.company(legal_name=f"Empresa Trust {letter} S.A.C.", ruc=None)
    side.company.logo_path = uploads.store_bytes(PNG, "logos", "png")
    side.employer = factories.employer(side.company, email=f"trust.emp.{letter.lower()}@example.pe")
    side.invitation = CompanyInvitation(company_id=side.company.id, email=f"trust.invitado.{letter.lower()}@example.pe",
                                        invited_by_id=side.employer.id, state="pending")
    db.session.add(side.invitation)
    side.coordinator = factories.coordinator(side.cetpro, email=f"trust.coord.{letter.lower()}@example.pe")
    keys = [k for k in PEOPLE if k.startswith(letter)]
    side.students = {k: _student(side.cetpro, k) for k in keys}
    side.opening = factories.opening(side.company, title=f"Electricista Trust {letter}")
    side.draft = factories.opening(side.company, state="draft", title=f"Borrador Trust {letter}")
    first = side.students[f"{letter}1"]
    side.application = factories.application(side.opening, first)
    # The second student is nominated (not applied) by its own coordinator.
    second = side.students[f"{letter}2"]
    side.nomination = Nomination(opening_id=side.opening.id, student_id=second.student.id,
                                 cetpro_id=side.cetpro.id, nominated_by_id=side.coordinator.id,
                                 note="Buen candidato")
    db.session.add(side.nomination)
    side.placement = Placement(student_id=first.student.id, cetpro_id=side.cetpro.id, employer_name="Taller Trust",
                               job_title="Electricista", kind="empleo", source="manual",
                               start_date=clock.today() - timedelta(days=10),
                               evidence_path=uploads.store_bytes(PDF, "evidence", "pdf"))
    db.session.add(side.placement)
    side.certificate = Certificate(code=f"TRVST{letter}2345", student_id=first.student.id,
                                   module_id=first.student.programme.modules[0].id, cetpro_id=side.cetpro.id,
                                   number=f"TRUST-{letter}", issued_on=clock.today() - timedelta(days=20),
                                   recorded_by_id=side.coordinator.id)
    db.session.add(side.certificate)
    side.webhook = WebhookEndpoint(cetpro_id=side.cetpro.id, url=f"https://siga-{letter.lower()}.example.pe/enlace",
                                   description=f"SIGA Trust {letter}", events=["placement.created"],
                                   secret=f"whsec_trust{letter}", created_by_id=side.coordinator.id)
    db.session.add(side.webhook)
    db.session.flush()
    first_name, last_names, dni, _phone = PEOPLE[f"{letter}1"]
    side.delivery = WebhookDelivery(endpoint_id=side.webhook.id, event="placement.created",
                                    event_id=f"00000000-0000-0000-0000-00000000000{letter}",
                                    payload={"data": {"student": {"first_names": first_name, "last_names": last_names,
                                                                  "document_number": dni}}},
                                    state="failed", attempts=6, last_status_code=500,
                                    last_error="El receptor respondió HTTP 500.")
    db.session.add(side.delivery)
    db.session.flush()
    side.webhook_ids = (side.webhook.id, side.delivery.id)
    side.api_token, side.api_secret = apitokens.create(side.cetpro, side.coordinator, apitokens.TokenData(
        name=f"SIGA Trust {letter}", scopes=list(vocab.API_SCOPES), days=90))
    side.convenio = Convenio(cetpro_id=side.cetpro.id, company_id=side.company.id, kind="practicas",
                             state="active", proposed_by="cetpro", start_date=clock.today() - timedelta(days=30),
                             end_date=clock.today() + timedelta(days=300),
                             pdf_path=uploads.store_bytes(PDF, "convenios", "pdf"))
    db.session.add(side.convenio)
    reported = factories.opening(side.company, title=f"Oferta reportada Trust {letter}", targets_all_cetpros=False)
    reported.cetpros = [side.cetpro]
    side.report = OpeningReport(opening_id=reported.id, reporter_id=side.students[f"{letter}1"].id,
                                reason="charges_fee", details="Cobran por la entrevista")
    db.session.add(side.report)
    tomorrow = clock.utcnow() + timedelta(days=1)
    side.interview = Interview(application_id=side.application.id, proposed_by_id=side.employer.id,
                               mode="direccion", place=f"Av. Trust {letter} 100", state="proposed",
                               slots=[InterviewSlot(starts_at=tomorrow, ends_at=tomorrow + timedelta(minutes=30))])
    db.session.add(side.interview)
    # A trail for the coordinators' audit page (/coordinador/auditoria): each side's own.
    audit("student.verified", first.student, side.coordinator, cetpro_id=side.cetpro.id)
    audit("student.profile_updated", second.student, second, fields=["phone"])
    db.session.commit()
    return side


def build_world() -> World:
    a = _side("A", "04", "0401")
    b = _side("B", "08", "0801")
    admin = factories.admin(email="trust.admin@example.pe")
    notifications = {}
    for user in [a.employer, a.coordinator, b.employer, b.coordinator, admin, *a.students.values(), *b.students.values()]:
        notifications[user.id] = _notify(user)
    return World(a=a, b=b, admin=admin, notifications=notifications)

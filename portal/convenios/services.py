"""Convenios between a CETPRO and a company: propose, accept or decline, the signed PDF,
and the warning before one ends. No request, no templates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from sqlalchemy import select, update

from portal import clock, links, uploads, vocab
from portal.audit import audit
from portal.clock import utcnow
from portal.convenios import queries
from portal.extensions import db
from portal.formatting import day
from portal.identifiers import IdentifierError, clean_ruc
from portal.models import Cetpro, Company, CompanyMember, Convenio, User
from portal.notifications.services import notify

PDF_FOLDER = "convenios"
PDF_MAX_BYTES = 5 * 1024 * 1024
NOTES_MAX = 2000
PLACES_MAX = 1000


class ConvenioError(ValueError):
    """A rule broken by the data given. `errors` maps form fields to their messages."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors if errors is not None else ({field: message} if field else {})


class NotAllowed(ConvenioError):
    """This person does not act for the side that may do this (the views answer 404 or 409)."""


@dataclass
class ConvenioData:
    kind: str
    start_date: date | None
    end_date: date | None = None
    places_per_term: int | None = None
    notes: str = ""


def _check(data: ConvenioData, errors: dict[str, str]) -> None:
    if data.kind not in vocab.CONVENIO_KINDS:
        errors["kind"] = "Elige el tipo de convenio: marco, de prácticas o EFSRT."
    if data.start_date is None:
        errors.setdefault("start_date", "Indica desde cuándo rige el convenio.")
    elif data.start_date < date(2000, 1, 1):
        errors["start_date"] = "Revisa la fecha de inicio: parece demasiado antigua."
    if data.end_date is not None and data.start_date is not None and data.end_date < data.start_date:
        errors["end_date"] = "La fecha de fin no puede ser anterior a la de inicio."
    if data.places_per_term is not None and not (1 <= data.places_per_term <= PLACES_MAX):
        errors["places_per_term"] = f"Escribe un número de vacantes entre 1 y {PLACES_MAX:,}."
    if len((data.notes or "").strip()) > NOTES_MAX:
        errors["notes"] = f"Las notas tienen como máximo {NOTES_MAX:,} caracteres."


def coordinators_of(cetpro_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == "coordinator", User.cetpro_id == cetpro_id, User.active.is_(True))
        .order_by(User.id)))


def members_of(company_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(CompanyMember, CompanyMember.user_id == User.id)
        .where(CompanyMember.company_id == company_id, CompanyMember.state == "active", User.active.is_(True))
        .order_by(User.id)))


def _tell(side: str, convenio: Convenio, kind: str, message: str, subject: str, body: str) -> None:
    """Notify (and email) every active person of one side of the convenio."""
    if side == "cetpro":
        people, url = coordinators_of(convenio.cetpro_id), links.path("coordinators.convenios")
    else:
        people, url = members_of(convenio.company_id), links.path("employers.convenios")
    for person in people:
        notify(person.id, kind, message, url, email=(subject, body))


def _other(side: str) -> str:
    return "company" if side == "cetpro" else "cetpro"


def resolve_company(company_id: int | None, text: str) -> Company:
    """The company a coordinator chose from the suggestions, or typed by its RUC."""
    if company_id:
        company = db.session.get(Company, company_id)
        if company is not None:
            return company
    text = " ".join((text or "").split())
    if not text:
        raise ConvenioError("Escribe el RUC de la empresa o búscala por su razón social.", "empresa")
    if not text.replace(" ", "").isdigit():
        raise ConvenioError("Elige la empresa de la lista de resultados, o escribe su RUC (11 dígitos).", "empresa")
    try:
        ruc = clean_ruc(text)
    except IdentifierError as error:
        raise ConvenioError(str(error), "empresa") from None
    company = queries.company_by_ruc(ruc)
    if company is None:
        raise ConvenioError(f"No hay una empresa registrada con el RUC {ruc}. Pídele que se registre en "
                            "Enlace CETPRO para proponerle un convenio.", "empresa")
    return company


def propose(actor: User, side: str, cetpro: Cetpro | None, company: Company | None, data: ConvenioData,
            pdf: BinaryIO | None = None) -> tuple[Convenio, bool]:
    """One side proposes; the other side is told. Returns (convenio, created): the same
    proposal sent again while one is pending (a double click) gives back the pending one."""
    errors: dict[str, str] = {}
    if cetpro is None or not cetpro.active:
        errors["cetpro_id"] = "Elige un CETPRO de la lista."
    if company is None:
        errors["empresa"] = "Elige la empresa."
    _check(data, errors)
    if errors:
        raise ConvenioError(next(iter(errors.values())), errors=errors)
    pending = db.session.scalar(select(Convenio).where(
        Convenio.cetpro_id == cetpro.id, Convenio.company_id == company.id, Convenio.kind == data.kind,
        Convenio.state == "proposed"))
    if pending is not None:
        if pending.proposed_by == side:
            return pending, False
        raise ConvenioError(
            f"{'La empresa' if side == 'cetpro' else 'El CETPRO'} ya te propuso un {vocab.CONVENIO_KINDS[data.kind].lower()}: "
            "acéptalo o recházalo en la lista de abajo.", "kind")
    pdf_path = None
    if pdf is not None and getattr(pdf, "filename", None):
        try:
            pdf_path = uploads.store_pdf(pdf, PDF_FOLDER, PDF_MAX_BYTES)
        except uploads.UploadError as error:
            raise ConvenioError(str(error), "pdf") from None
    convenio = Convenio(
        cetpro_id=cetpro.id, company_id=company.id, kind=data.kind, state="proposed", proposed_by=side,
        start_date=data.start_date, end_date=data.end_date, places_per_term=data.places_per_term,
        notes=(data.notes or "").strip() or None, pdf_path=pdf_path,
    )
    db.session.add(convenio)
    try:
        db.session.flush()
        kind = vocab.CONVENIO_KINDS[convenio.kind].lower()
        proposer = cetpro.name if side == "cetpro" else company.display_name
        period = f"desde el {day(convenio.start_date)}" + (f" hasta el {day(convenio.end_date)}" if convenio.end_date else "")
        message = f"{proposer} propone un {kind} {period}."
        _tell(_other(side), convenio, "convenio-proposed", message, f"{proposer} te propone un {kind}",
              f"{message} Revísalo y acéptalo o recházalo en el portal:")
        audit("convenio.proposed", convenio, actor, side=side)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the PDF goes with it
        raise
    return convenio, True


def decide(actor: User, convenio: Convenio, accept: bool, on: date | None = None) -> bool:
    """The side that did not propose accepts (→ active) or declines (→ rejected).

    Returns False, changing nothing, when it was already decided (a second tab or click).
    """
    on = on or clock.today()
    side = queries.side_of(actor, convenio)
    if side is None:
        raise NotAllowed("No participas en este convenio.")
    if convenio.state != "proposed":
        return False
    if convenio.proposed_by == side:
        raise NotAllowed("Tu lado propuso este convenio: la otra parte es quien lo acepta o rechaza.")
    if accept and convenio.end_date is not None and convenio.end_date < on:
        raise ConvenioError(f"Esta propuesta terminaba el {day(convenio.end_date)}, que ya pasó. "
                            "Recházala y propón uno con fechas nuevas.")
    values = {"state": "active" if accept else "rejected"}
    if accept:
        values["accepted_at"] = utcnow()
    # Conditional: two answers at the same moment leave exactly the first.
    result = db.session.execute(
        update(Convenio).where(Convenio.id == convenio.id, Convenio.state == "proposed").values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(convenio)
        return False
    db.session.refresh(convenio)
    kind = vocab.CONVENIO_KINDS[convenio.kind].lower()
    other = convenio.company.display_name if side == "company" else convenio.cetpro.name
    if accept:
        message = f"{other} aceptó el {kind}. Ya está vigente" + (
            f" desde el {day(convenio.start_date)}." if convenio.start_date > on else ".")
        subject = f"{other} aceptó el {kind}"
    else:
        message = f"{other} no aceptó el {kind} que propusiste."
        subject = f"{other} no aceptó el {kind}"
    _tell(convenio.proposed_by, convenio, "convenio-accepted" if accept else "convenio-declined", message,
          subject, f"{message} Mira tus convenios:")
    audit("convenio.accepted" if accept else "convenio.declined", convenio, actor, side=side)
    db.session.commit()
    return True


def attach_pdf(actor: User, convenio: Convenio, pdf: BinaryIO | None) -> Convenio:
    """Either party uploads (or replaces) the signed PDF; the old file goes in the same commit."""
    if queries.side_of(actor, convenio) is None:
        raise NotAllowed("No participas en este convenio.")
    try:
        path = uploads.store_pdf(pdf, PDF_FOLDER, PDF_MAX_BYTES)
    except uploads.UploadError as error:
        raise ConvenioError(str(error), "pdf") from None
    old = convenio.pdf_path
    convenio.pdf_path = path
    audit("convenio.pdf", convenio, actor)
    uploads.remove_stored(old)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()  # the new PDF goes with it; the old one stays
        raise
    return convenio


def warn_ending(on: date | None = None) -> tuple[int, int]:
    """Tell each CETPRO's coordinators, once per convenio, that one ends within 30 days; mark
    convenios whose end has passed as ended. Returns (warned, ended)."""
    on = on or clock.today()
    ended = db.session.execute(
        update(Convenio).where(Convenio.state == "active", Convenio.end_date.is_not(None), Convenio.end_date < on)
        .values(state="ended").execution_options(synchronize_session=False)).rowcount or 0
    db.session.commit()
    warned = 0
    start, end = queries.warn_window(on)
    for convenio_id in db.session.scalars(queries.ending_between(start, end).with_only_columns(Convenio.id)
                                          .order_by(Convenio.id)).all():
        now = utcnow()
        # Claim it first, conditionally: two runs at once warn once.
        claimed = db.session.execute(
            update(Convenio).where(Convenio.id == convenio_id, Convenio.end_warning_sent_at.is_(None))
            .values(end_warning_sent_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            db.session.rollback()
            continue
        convenio = db.session.get(Convenio, convenio_id)
        days = (convenio.end_date - on).days
        when = "hoy" if days == 0 else ("mañana" if days == 1 else f"en {days} días")
        kind = vocab.CONVENIO_KINDS[convenio.kind]
        message = (f"El {kind.lower()} con {convenio.company.display_name} vence {when} "
                   f"({day(convenio.end_date)}).")
        _tell("cetpro", convenio, "convenio-ending", message, f"{kind} con {convenio.company.display_name}: vence {when}",
              f"{message} Si quieren seguir trabajando juntos, propónganle uno nuevo a tiempo:")
        db.session.commit()
        warned += 1
    return warned, ended

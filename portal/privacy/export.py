"""«Descargar mis datos»: one ZIP with `mis-datos.json` (every row the portal holds about
the person, by category) and the files (their CV, the evidence of their placements).

Files are read through `portal.uploads.read_stored`, wherever uploads live. Every
category is present even when empty, so a person sees what kinds of data exist."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select

from portal import clock, uploads, vocab
from portal.certificates import queries as certificates
from portal.extensions import db
from portal.models import (
    Alert,
    AlertDelivery,
    Application,
    AuditEvent,
    CompanyInvitation,
    CompanyMember,
    Convenio,
    CvExperience,
    CvPreferences,
    FollowUp,
    Interview,
    Nomination,
    Notification,
    OpeningReport,
    Placement,
    StudentProfile,
    User,
)

JSON_NAME = "mis-datos.json"
CATEGORIES = ("cuenta", "perfil_estudiante", "postulaciones", "recomendaciones", "entrevistas", "colocaciones",
              "certificados", "cv_generado",
              "empresa", "convenios", "notificaciones", "denuncias", "auditoria", "archivos")


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj, *names: str) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def _account(user: User) -> dict:
    return {
        **_row(user, "id", "email", "first_names", "last_names", "phone", "created_at", "email_confirmed_at",
               "last_login_at", "deletion_requested_at", "deletion_due_at"),
        "rol": vocab.ROLES[user.role],
        "cetpro": user.cetpro.name if user.cetpro else None,
    }


def _profile(profile: StudentProfile | None) -> dict | None:
    if profile is None:
        return None
    return {
        **_row(profile, "id", "document_type", "document_number", "birth_date", "level", "status",
               "graduation_date", "department_code", "province_code", "district_code", "availability",
               "open_to_offers", "verification_state", "verification_note", "cv_uploaded_at", "updated_at"),
        "cetpro": profile.cetpro.name,
        "programa": profile.programme.name,
        "modulos": [module.name for module in profile.modules],
        "habilidades": [skill.name for skill in profile.skills],
    }


def _history(object_type: str, ids: list[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return found
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == object_type,
                                                         AuditEvent.object_id.in_(ids))
                                .order_by(AuditEvent.created_at, AuditEvent.id))
    for event in events:
        found[event.object_id].append({"fecha": _plain(event.created_at), "accion": event.action,
                                       "datos": event.data})
    return found


def _applications(profile: StudentProfile | None) -> list[dict]:
    if profile is None:
        return []
    rows = list(db.session.scalars(select(Application).where(Application.student_id == profile.id)
                                   .order_by(Application.created_at, Application.id)))
    history = _history("Application", [a.id for a in rows])
    return [{
        **_row(a, "id", "state", "message", "rejection_reason", "rejection_note", "employer_notes",
               "created_at", "viewed_at", "state_changed_at"),
        "oferta": a.opening.title,
        "empresa": a.opening.company.display_name,
        "historial": history[a.id],
    } for a in rows]


def _interviews(user: User, profile: StudentProfile | None) -> list[dict]:
    """Her interviews (the slots proposed, what she answered; whether she came is the
    employer's own record), or, for an employer, the interviews the person proposed."""
    if profile is not None:
        where = Interview.application_id.in_(select(Application.id).where(Application.student_id == profile.id))
    elif user.role == "employer":
        where = Interview.proposed_by_id == user.id
    else:
        return []
    rows = db.session.scalars(select(Interview).where(where).order_by(Interview.created_at, Interview.id))
    return [{**_row(i, "id", "state", "mode", "place", "note", "student_message", "cancel_reason", "starts_at",
                    "ends_at", "created_at"),
             "horarios_propuestos": [{"inicio": _plain(s.starts_at), "fin": _plain(s.ends_at)} for s in i.slots],
             "oferta": i.application.opening.title, "empresa": i.application.opening.company.display_name}
            for i in rows]


def _nominations(profile: StudentProfile | None) -> list[dict]:
    if profile is None:
        return []
    rows = db.session.scalars(select(Nomination).where(Nomination.student_id == profile.id).order_by(Nomination.id))
    return [{**_row(n, "id", "note", "created_at", "invited_at"), "oferta": n.opening.title,
             "empresa": n.opening.company.display_name} for n in rows]


def _placements(profile: StudentProfile | None) -> list[Placement]:
    if profile is None:
        return []
    return list(db.session.scalars(select(Placement).where(Placement.student_id == profile.id)
                                   .order_by(Placement.start_date, Placement.id)))


def _placement(placement: Placement, evidence: str | None) -> dict:
    follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.placement_id == placement.id)
                                    .order_by(FollowUp.months))
    return {
        **_row(placement, "id", "employer_ruc", "job_title", "kind", "source", "start_date", "end_date",
               "pay_min", "pay_max", "department_code", "agreement_signed_on", "agreement_registered_on",
               "created_at"),
        "empresa": placement.employer_display_name,
        "evidencia": evidence,
        "seguimientos": [_row(f, "months", "due_date", "answer", "current_employer", "answered_at")
                         for f in follow_ups],
    }


def _alerts(profile: StudentProfile | None) -> list[dict]:
    """Her saved searches (job alerts) and how many openings each has sent."""
    if profile is None:
        return []
    alerts = db.session.scalars(select(Alert).where(Alert.student_id == profile.id).order_by(Alert.id))
    return [{**_row(a, "query", "frequency", "paused", "created_at", "last_sent_at"),
             "ofertas_enviadas": db.session.scalar(select(func.count()).select_from(AlertDelivery)
                                                   .where(AlertDelivery.alert_id == a.id))} for a in alerts]


def _certificates(profile: StudentProfile | None) -> list[dict]:
    """The certificados modulares her CETPRO registered (revoked ones too, with the date)."""
    if profile is None:
        return []
    return [{**_row(c, "number", "issued_on", "state", "revoked_at", "code"),
             "modulo": c.module.name, "cetpro": c.cetpro.name}
            for c in certificates.of_student(profile.id)]


def _generated_cv(profile: StudentProfile | None) -> dict | None:
    """What she added to her generated CV (her experiences) and what it shows (her choices)."""
    if profile is None:
        return None
    chosen = db.session.get(CvPreferences, profile.id)
    experiences = db.session.scalars(select(CvExperience).where(CvExperience.student_id == profile.id)
                                     .order_by(CvExperience.start_date, CvExperience.id))
    return {
        "preferencias": None if chosen is None else _row(chosen, "show_email", "show_phone", "shown", "updated_at"),
        "experiencias": [_row(e, "kind", "role", "employer", "start_date", "end_date", "description", "created_at")
                         for e in experiences],
    }


def _company(user: User) -> dict | None:
    member = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == user.id))
    invitations = list(db.session.scalars(select(CompanyInvitation).where(
        or_(CompanyInvitation.email == user.email, CompanyInvitation.invited_by_id == user.id))
        .order_by(CompanyInvitation.id)))
    if member is None and not invitations:
        return None
    return {
        "membresia": None if member is None else {
            **_row(member, "state", "is_owner", "created_at"),
            "empresa": member.company.display_name, "ruc": member.company.ruc},
        "invitaciones": [{**_row(i, "email", "state", "sent_at", "ended_at"), "empresa": i.company.display_name}
                         for i in invitations],
    }


def _convenios(user: User) -> list[dict]:
    """The convenios of the party the person acts for: their company, or their CETPRO."""
    if user.role == "employer":
        company_id = db.session.scalar(select(CompanyMember.company_id).where(CompanyMember.user_id == user.id))
        where = Convenio.company_id == company_id
    elif user.role == "coordinator" and user.cetpro_id:
        where = Convenio.cetpro_id == user.cetpro_id
    else:
        return []
    rows = db.session.scalars(select(Convenio).where(where).order_by(Convenio.start_date, Convenio.id))
    return [{**_row(c, "id", "kind", "state", "proposed_by", "start_date", "end_date", "places_per_term",
                    "notes", "accepted_at"),
             "cetpro": c.cetpro.name, "empresa": c.company.display_name} for c in rows]


def _audit(user: User, profile: StudentProfile | None, placements: list[Placement]) -> list[dict]:
    """Events the person did, and events about them: their account, profile and placements
    (their applications' events are in each application's history)."""
    about = [(AuditEvent.object_type == "User") & (AuditEvent.object_id == user.id)]
    if profile is not None:
        about.append((AuditEvent.object_type == "StudentProfile") & (AuditEvent.object_id == profile.id))
    if placements:
        about.append((AuditEvent.object_type == "Placement")
                     & AuditEvent.object_id.in_([p.id for p in placements]))
    events = db.session.scalars(select(AuditEvent).where(or_(AuditEvent.actor_id == user.id, *about))
                                .order_by(AuditEvent.created_at, AuditEvent.id))
    return [{"fecha": _plain(e.created_at), "accion": e.action, "objeto": e.object_type,
             "objeto_id": e.object_id, "por_mi": e.actor_id == user.id, "datos": e.data} for e in events]


def collect(user: User) -> tuple[dict, dict[str, bytes]]:
    """Everything about `user` as JSON-able data, and the files to bundle by name."""
    profile = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == user.id))
    files: dict[str, bytes] = {}
    if profile is not None and (content := uploads.read_stored(profile.cv_path)):
        files["archivos/cv.pdf"] = content
    placements = _placements(profile)
    placement_rows = []
    for placement in placements:
        name = None
        if content := uploads.read_stored(placement.evidence_path):
            name = f"archivos/colocacion-{placement.id}-evidencia.pdf"
            files[name] = content
        placement_rows.append(_placement(placement, name))
    notifications = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                       .order_by(Notification.created_at, Notification.id))
    reports = db.session.scalars(select(OpeningReport).where(OpeningReport.reporter_id == user.id)
                                 .order_by(OpeningReport.id))
    data = {
        "generado": clock.utcnow().isoformat(),
        "ley": "Ley 29733, Ley de Protección de Datos Personales (derecho de acceso)",
        "cuenta": _account(user),
        "perfil_estudiante": _profile(profile),
        "postulaciones": _applications(profile),
        "recomendaciones": _nominations(profile),
        "entrevistas": _interviews(user, profile),
        "colocaciones": placement_rows,
        "alertas_de_empleo": _alerts(profile),
        "certificados": _certificates(profile),
        "cv_generado": _generated_cv(profile),
        "empresa": _company(user),
        "convenios": _convenios(user),
        "notificaciones": [_row(n, "created_at", "kind", "message", "url", "read_at") for n in notifications],
        "denuncias": [{**_row(r, "reason", "details", "created_at", "resolved_at", "resolution"),
                       "oferta_id": r.opening_id} for r in reports],
        "auditoria": _audit(user, profile, placements),
        "archivos": sorted(files),
    }
    return data, files


def build_zip(user: User) -> bytes:
    """The ZIP a person downloads: mis-datos.json and their files."""
    data, files = collect(user)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def filename() -> str:
    return f"mis-datos-enlace-cetpro-{clock.today().isoformat()}.zip"

"""The coordinator's certificates of one student (/coordinador/estudiantes/<id>/certificados):
record a certificado modular, list them, revoke one with a reason after a confirm step.
Another CETPRO's student or certificate does not exist here (404)."""
from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from portal import clock, htmx
from portal.access import role_required
from portal.certificates import queries, services
from portal.certificates.forms import CertificateForm, RevokeForm
from portal.coordinators import bp
from portal.forms import attach_errors, options
from portal.models import Certificate, StudentProfile


def _own_student(student_id: int) -> StudentProfile:
    profile = queries.student_of(current_user, student_id)
    if profile is None:
        abort(404)
    return profile


def _own_certificate(certificate_id: int) -> Certificate:
    certificate = queries.certificate_of(current_user, certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def _form(profile: StudentProfile, formdata=None) -> CertificateForm:
    form = CertificateForm(formdata=formdata) if formdata is not None else CertificateForm(formdata=None)
    form.module_id.choices = options(queries.module_choices(profile), first=(0, "— Elige —"))
    return form


def _context(profile: StudentProfile, form: CertificateForm | None = None, **extra) -> dict:
    return {"profile": profile, "certificates": queries.of_student(profile.id),
            "form": form or _form(profile), "today": clock.today(), "revoking": None,
            "revoke_form": RevokeForm(formdata=None), "revoke_error": None, **extra}


@bp.route("/estudiantes/<int:student_id>/certificados")
@role_required("coordinator")
def certificates(student_id: int):
    """A student's certificates (revoked ones too) and the form to record one."""
    profile = _own_student(student_id)
    return htmx.render("certificates/index.html", "certificates/_section.html", **_context(profile))


@bp.route("/estudiantes/<int:student_id>/certificados", methods=["POST"])
@role_required("coordinator")
def record_certificate(student_id: int):
    """Record a certificate; a refusal shows the form again with the message beside the field."""
    profile = _own_student(student_id)
    form = CertificateForm()
    form.module_id.choices = options(queries.module_choices(profile), first=(0, "— Elige —"))
    if form.validate_on_submit():
        data = services.CertificateData(module_id=form.module_id.data or 0, number=form.number.data or "",
                                        issued_on=form.issued_on.data)
        try:
            certificate = services.record(current_user, profile.id, data)
        except services.CertificateError as error:
            attach_errors(form, error.errors, str(error))
        else:
            message = (f"Registramos el certificado N° {certificate.number} de {profile.user.full_name}: "
                       f"{certificate.module.name}.")
            return htmx.done(url_for(".certificates", student_id=profile.id), "certificates/_section.html",
                             message=message, **_context(profile))
    return htmx.render("certificates/index.html", "certificates/_section.html", status=422,
                       **_context(profile, form))


@bp.route("/certificados/<int:certificate_id>/revocar")
@role_required("coordinator")
def confirm_revoke(certificate_id: int):
    """The confirm step: what will be revoked, and the reason to write (in place with htmx)."""
    certificate = _own_certificate(certificate_id)
    return htmx.render("certificates/revoke.html", "certificates/_section.html",
                       **_context(certificate.student, revoking=certificate))


@bp.route("/certificados/<int:certificate_id>/revocar", methods=["POST"])
@role_required("coordinator")
def revoke_certificate(certificate_id: int):
    """Revoke with a reason: the certificate stays, shown as revoked everywhere."""
    certificate = _own_certificate(certificate_id)
    profile = certificate.student
    form = RevokeForm()
    error = "No pudimos leer el formulario. Recarga la página y vuelve a intentarlo."
    if form.validate_on_submit():
        try:
            changed = services.revoke(current_user, certificate, form.reason.data)
        except services.CertificateError as refused:
            error = str(refused)
        else:
            message = (f"Revocamos el certificado N° {certificate.number}. Ya no figura como certificado en el portal."
                       if changed else f"El certificado N° {certificate.number} ya estaba revocado.")
            return htmx.done(url_for(".certificates", student_id=profile.id), "certificates/_section.html",
                             message=message, **_context(profile))
    return htmx.render("certificates/revoke.html", "certificates/_section.html", status=422,
                       **_context(profile, revoking=certificate, revoke_form=form, revoke_error=error))

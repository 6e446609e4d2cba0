"""Sign in, sign out, registration and password reset."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user
from wtforms.fields.choices import SelectChoice

from portal import headers, htmx
from portal.access import WrongRole
from portal.accounts import confirmation, passwords, queries, registration, rules, sessions, throttle
from portal.accounts.forms import (
    ConfirmForm,
    EmployerRegistrationForm,
    LoginForm,
    ResendForm,
    ResetForm,
    ResetRequestForm,
    StudentRegistrationForm,
)
from portal.errors import error_response
from portal.extensions import limiter
from portal.identifiers import IdentifierError, clean_dni, clean_ruc
from portal.redirects import safe_target

bp = Blueprint("accounts", __name__)


@bp.app_errorhandler(WrongRole)
def wrong_role(error: WrongRole):
    """Signed in with another role's account: the sign-in page, so the person can switch."""
    form = LoginForm(next=request.full_path.rstrip("?") if request.method == "GET" else "")
    return htmx.render("accounts/login.html", "errors/_error.html", status=403, form=form,
                       wrong_role=f"Esta página es para cuentas {error.kinds}. Ingresa con esa cuenta para continuar.",
                       code=403, title="Acceso no permitido", message=error.description)


def _too_many(refused: throttle.Refusal):
    """429 with the reason and the wait, in Spanish (the form is not shown: it would only fail again)."""
    response = error_response(429, refused.message)
    headers.put(response, "Retry-After", str(refused.retry_after))
    return response


@bp.route("/ingresar", methods=["GET", "POST"])
def login():
    """Sign in with email and password; failures are throttled by portal/accounts/throttle.py."""
    form = LoginForm(next=safe_target(request.args.get("next")) or "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_target(form.next.data) or url_for("pages.dashboard"))
    status = 200
    unconfirmed = None
    if form.validate_on_submit():
        attempt = throttle.attempt(form.email.data)
        if refused := throttle.refusal(attempt):
            return _too_many(refused)
        try:
            user = passwords.authenticate(form.email.data, form.password.data)
        except passwords.UnconfirmedEmail as error:
            # Only after the right password: this tells nothing the person does not know.
            user, unconfirmed = None, error.user.email
        if user is not None:
            throttle.succeeded(attempt)
            sessions.start(user)
            flash(f"Hola, {user.first_names}.", "success")
            return throttle.remember_device(
                redirect(safe_target(form.next.data) or url_for("pages.dashboard"), code=303), user)
        if unconfirmed is None:
            throttle.failed(attempt)
            # One message for unknown email and wrong password: no account enumeration.
            form.password.errors = ["El correo o la contraseña no son correctos."]
        status = 422
    elif request.method == "POST":
        status = 422
    return htmx.render("accounts/login.html", "accounts/_login_form.html", status=status, form=form,
                       unconfirmed=unconfirmed)


@bp.route("/salir", methods=["GET", "POST"])
def logout():
    """Sign out (POST); GET shows a button, so a link cannot sign anybody out."""
    if request.method == "POST":
        if current_user.is_authenticated:
            passwords.end_sessions(current_user._get_current_object())
        logout_user()
        session.clear()
        # Every session ends, not only this device's (see end_sessions): say so.
        flash("Cerraste tu sesión en todos tus dispositivos.", "success")
        return redirect(url_for("pages.home"), code=303)
    return htmx.render("accounts/logout.html")


SIGN_UP_PAGES = ("accounts.register", "accounts.register_student", "accounts.register_employer")


@bp.before_request
def signed_in_users_do_not_sign_up():
    """A signed-in person opening a sign-up page (or posting one) goes to their panel: a new
    account needs signing out first, and nothing is created."""
    if request.endpoint in SIGN_UP_PAGES and current_user.is_authenticated:
        flash("Ya tienes una cuenta y tu sesión está abierta. Para crear otra cuenta, primero sal de esta.", "info")
        return redirect(url_for("pages.dashboard"), code=303)
    return None


@bp.route("/registro")
def register():
    """Choose: student or company."""
    return htmx.render("accounts/register.html")


def _fill_student_choices(form: StudentRegistrationForm) -> None:
    form.cetpro_id.choices = [SelectChoice("", "Elige tu CETPRO")] + [
        SelectChoice(id_, name) for id_, name in queries.cetpro_choices()
    ]
    form.programme_id.choices = [SelectChoice("", "Elige tu programa")] + [
        SelectChoice(id_, name, optgroup=family)
        for family, programmes in queries.programme_choices().items()
        for id_, name in programmes
    ]


def _apply_error(form, error: rules.AccountError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error)]
    else:
        flash(str(error), "error")


@bp.route("/registro/estudiante", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register_student():
    """Create a student account."""
    form = StudentRegistrationForm()
    _fill_student_choices(form)
    status = 200
    if form.validate_on_submit():
        try:
            registration.register_student(
                registration.StudentRegistration(
                    first_names=form.first_names.data,
                    last_names=form.last_names.data,
                    email=form.email.data,
                    password=form.password.data,
                    cetpro_id=form.cetpro_id.data,
                    programme_id=form.programme_id.data,
                    document_type=form.document_type.data,
                    document_number=form.document_number.data,
                )
            )
        except rules.AccountError as error:
            _apply_error(form, error)
            status = 422
        else:
            return _check_your_email(form.email.data)
    elif request.method == "POST":
        status = 422
    return htmx.render("accounts/register_student.html", "accounts/_register_student_form.html",
                       status=status, form=form)


@bp.route("/registro/empresa", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register_employer():
    """Create an employer account with its company, or ask to join one."""
    form = EmployerRegistrationForm()
    status = 200
    if form.validate_on_submit():
        try:
            registration.register_employer(
                registration.EmployerRegistration(
                    first_names=form.first_names.data,
                    last_names=form.last_names.data,
                    email=form.email.data,
                    password=form.password.data,
                    ruc=form.ruc.data,
                    legal_name=form.legal_name.data or "",
                    phone=form.phone.data or None,
                )
            )
        except rules.AccountError as error:
            _apply_error(form, error)
            status = 422
        else:
            return _check_your_email(form.email.data)
    elif request.method == "POST":
        status = 422
    return htmx.render("accounts/register_employer.html", "accounts/_register_employer_form.html",
                       status=status, form=form)


def _check_your_email(email: str):
    """The one answer to a valid sign-up, whoever has an account: only the inbox is told more."""
    session["registration_email"] = email.strip()
    return redirect(url_for("accounts.check_email"), code=303)


@bp.route("/registro/revisa-tu-correo")
def check_email():
    """After signing up: the confirmation link is on its way."""
    email = session.get("registration_email")
    form = ResendForm(email=email)
    hours = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600
    return htmx.render("accounts/check_email.html", email=email, form=form, hours=hours)


def _resend_account_key() -> str:
    return "resend-account:" + rules.normalize_email(request.form.get("email", ""))


@bp.route("/registro/reenviar", methods=["POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_resend_account_key)
def resend_confirmation():
    """Send a new confirmation link. The same answer whether or not an account waits for one."""
    form = ResendForm()
    if not form.validate_on_submit():
        flash("Ingresa un correo válido para enviarte otro enlace.", "error")
        return redirect(url_for("accounts.login"), code=303)
    confirmation.resend_confirmation(form.email.data)
    flash("Si hay una cuenta por activar con ese correo, te enviamos un nuevo enlace. "
          "Revisa tu bandeja de entrada y la de spam.", "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/registro/confirmar/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Activate an account from its emailed link, then sign in.

    GET shows one button and POST confirms: a mail scanner that opens links does not use
    the link up, and another site cannot sign a visitor into an account by embedding it.
    """
    user = confirmation.user_for_confirmation_token(token)
    if user is None:
        flash("El enlace venció o ya fue usado. Si ya activaste tu cuenta, ingresa; si no, ingresa con tu "
              "correo y contraseña y te enviaremos otro enlace.", "error")
        return redirect(url_for("accounts.login"), code=303)
    form = ConfirmForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return htmx.render("accounts/confirm.html", status=status, form=form, token=token, email=user.email)
    confirmation.confirm_email(user)
    sessions.start(user)
    if user.role == "student":
        flash("Tu cuenta está lista. Tu CETPRO verificará tus datos; mientras tanto ya puedes ver ofertas.", "success")
        return redirect(url_for("students.dashboard"), code=303)
    membership = user.membership
    if membership is not None and membership.state == "pending":
        flash(f"Pediste unirte a {membership.company.display_name}. Un miembro de la empresa debe aceptarte.", "info")
    else:
        flash("Tu empresa quedó registrada. Puedes preparar ofertas; se publican cuando la empresa esté verificada.", "success")
    return redirect(url_for("employers.dashboard"), code=303)


@bp.route("/registro/validar/<kind>")
def check_identifier(kind: str):
    """Inline check of a RUC or DNI as the person types (htmx); answers a message fragment."""
    value = request.args.get(kind) or request.args.get("document_number", "")
    cleaner = {"ruc": clean_ruc, "dni": clean_dni}.get(kind)
    if cleaner is None:
        return htmx.render("accounts/_check.html", ok=False, message="")
    if not value.strip():
        return htmx.render("accounts/_check.html", ok=None, message="", field=kind)
    try:
        number = cleaner(value)
    except IdentifierError as error:
        return htmx.render("accounts/_check.html", ok=False, message=str(error), field=kind)
    message = f"{kind.upper()} válido: {number}."
    if kind == "ruc" and (company := queries.company_by_ruc(number)):
        message += f" Ya está registrado como {company.display_name}: pedirás unirte a esa empresa."
    return htmx.render("accounts/_check.html", ok=True, message=message, field=kind)


@bp.route("/recuperar", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot():
    """Ask for a password reset link."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        passwords.request_password_reset(form.email.data)
        # Same answer whether or not the account exists.
        flash("Si hay una cuenta con ese correo, te enviamos un enlace para cambiar la contraseña. Revisa tu bandeja.", "info")
        return redirect(url_for("accounts.login"), code=303)
    status = 422 if request.method == "POST" else 200
    return htmx.render("accounts/forgot.html", status=status, form=form)


@bp.route("/recuperar/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Set a new password from an emailed link (signed, expiring, single use)."""
    user = passwords.user_for_reset_token(token)
    if user is None:
        flash("El enlace venció o ya fue usado. Pide uno nuevo.", "error")
        return redirect(url_for("accounts.forgot"), code=303)
    form = ResetForm()
    status = 200
    if form.validate_on_submit():
        try:
            passwords.reset_password(user, form.password.data)
        except passwords.LinkUsed:
            # used by another request at the same moment: the answer to a used link
            flash("El enlace venció o ya fue usado. Pide uno nuevo.", "error")
            return redirect(url_for("accounts.forgot"), code=303)
        except rules.AccountError as error:
            form.password.errors = [str(error)]
            status = 422
        else:
            sessions.start(user)
            flash("Listo: cambiaste tu contraseña.", "success")
            # The link came to the owner's inbox: this device is theirs from now on.
            return throttle.remember_device(redirect(url_for("pages.dashboard"), code=303), user)
    elif request.method == "POST":
        status = 422
    return htmx.render("accounts/reset.html", status=status, form=form, token=token)

"""The coordinator's roster (/coordinador/estudiantes): list and filters, verification,
import with a preview, the template and the export."""
from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal import clock, headers, htmx
from portal.access import current_cetpro, one_or_404, role_required
from portal.coordinators import bp
from portal.extensions import limiter
from portal.models import Cetpro
from portal.roster import imports, queries, services, sheets
from portal.roster.forms import ConfirmForm, DecisionForm
from portal.uploads import UploadError, attachment, read_upload

EXPIRED = ("La vista previa venció: pasó más de una hora desde que subiste el archivo. "
           "Súbelo otra vez para revisarlo con los datos de ahora.")


CHANGED = ("Los datos cambiaron desde que viste la vista previa: alguien importó o registró estudiantes "
           "de esta lista. No importamos nada. Revisa la vista previa actualizada y confirma otra vez.")


BUSY = "Esta importación ya se está procesando. Espera unos segundos y revisa la lista de estudiantes."


def _filters() -> queries.Filters:
    return queries.Filters.from_args(request.args)


def _list_context(cetpro: Cetpro, filters: queries.Filters, **extra) -> dict:
    context = {"cetpro": cetpro, "filters": filters, "page": queries.roster(current_user, filters),
               "tabs": queries.VERIFICATION_TABS, "errors": {}, "reasons": {}, "checked": set()}
    if not htmx.is_partial():
        context.update(programmes=queries.programme_choices(current_user),
                       years=queries.year_choices(current_user), placed_choices=queries.PLACED_PARAMS)
    context.update(extra)
    return context


@bp.route("/estudiantes")
@role_required("coordinator")
def roster():
    """The CETPRO's students: search, filters, verification tabs, numbered pages of 25."""
    filters = _filters()
    context = _list_context(current_cetpro(), filters)
    response = htmx.render("roster/index.html", "roster/_update.html", **context)
    if htmx.is_partial():
        # Push the clean URL (no empty fields), so what people copy and share is short.
        headers.put(response, "HX-Push-Url", url_for("coordinators.roster", **filters.args(pagina=context["page"].page)))
    return response


@bp.route("/estudiantes/<int:student_id>/<any(verificar, rechazar):action>", methods=["POST"])
@role_required("coordinator")
def decide_student(student_id: int, action: str):
    """Verify, or reject with a reason, one student who registered themselves; in place."""
    cetpro = current_cetpro()
    profile = one_or_404(queries.student(current_user, student_id))
    filters = _filters()
    form = DecisionForm()
    name = profile.user.full_name
    try:
        if action == "verificar":
            changed = services.verify(profile, current_user, cetpro)
            message = (f"Verificaste a {name}. Le avisamos por correo." if changed
                       else f"{name} ya estaba verificado(a).")
        else:
            changed = services.reject(profile, current_user, cetpro, form.reason.data)
            message = (f"Rechazaste la verificación de {name}. Le enviamos el motivo." if changed
                       else f"{name} ya estaba rechazado(a).")
    except services.RosterError as error:
        # The row again, the reason as typed and the message beside it.
        return htmx.render("roster/index.html", "roster/_decided.html", status=422,
                           row=queries.row(current_user, profile.id),
                           **_list_context(cetpro, filters, errors={profile.id: str(error)},
                                           reasons={profile.id: form.reason.data or ""}))
    page = queries.counts_only(current_user, filters)
    return htmx.done(url_for("coordinators.roster", **filters.args()), "roster/_decided.html", message=message,
                     event="notifications-changed", row=queries.row(current_user, profile.id),
                     filters=filters, page=page, tabs=queries.VERIFICATION_TABS, errors={}, reasons={}, checked=set())


@bp.route("/estudiantes/verificacion", methods=["POST"])
@role_required("coordinator")
def decide_students():
    """Verify or reject the checked students at once; the list and counts come back in place."""
    cetpro = current_cetpro()
    filters = _filters()
    form = DecisionForm()
    action = form.action.data or ""
    ids = [int(v) for v in request.form.getlist("student_ids") if v.isdigit() and len(v) < 10]
    try:
        changed, unchanged = services.decide_many(current_user, cetpro, ids, action, form.reason.data)
    except services.RosterError as error:
        return htmx.render("roster/index.html", "roster/_update.html", status=422,
                           **_list_context(cetpro, filters, bulk_error=str(error), checked=set(ids),
                                           bulk_action=action, bulk_reason=form.reason.data or ""))
    count = len(changed)
    verb = "Verificaste" if action == "verificar" else "Rechazaste"
    message = f"{verb} a {count} {'estudiante' if count == 1 else 'estudiantes'}." if count else \
        "Ningún estudiante cambió: los marcados ya estaban así."
    if count and unchanged:
        message += f" {unchanged} ya lo {'estaba' if unchanged == 1 else 'estaban'}."
    return htmx.done(url_for("coordinators.roster", **filters.args()), "roster/_update.html", message=message,
                     event="notifications-changed", **_list_context(cetpro, filters))


def _import_context(cetpro: Cetpro, **extra) -> dict:
    return {"cetpro": cetpro, "max_rows": imports.MAX_ROWS,
            "instructions": sheets.INSTRUCTIONS, "invite_days": services.invite_max_age() // 86400,
            "preview": None, "check": None, "result": None, "upload_error": None, "warning": None, **extra}


def _render_import(cetpro: Cetpro, status: int = 200, **extra) -> Response:
    return htmx.render("roster/import.html", "roster/_import.html", status=status,
                       **_import_context(cetpro, **extra))


@bp.route("/estudiantes/importar")
@role_required("coordinator")
def import_form():
    """Upload a roster file; `?vista=<token>` shows that upload's preview, checked again now."""
    cetpro = current_cetpro()
    token = request.args.get("vista", "")
    if not token:
        return _render_import(cetpro)
    try:
        preview = imports.load_preview(token, current_user)
    except imports.PreviewMissing:
        abort(404)
    except imports.PreviewExpired:
        return _render_import(cetpro, 410, upload_error=EXPIRED)
    return _render_import(cetpro, preview=preview, check=imports.check(preview.rows, cetpro))


def _importer_key() -> str:
    """Imports are limited per coordinator, wherever she signs in from."""
    return f"roster-import:{current_user.id}" if current_user.is_authenticated else f"roster-import:{get_remote_address()}"


IMPORT_LIMITED = ("Revisaste muchos archivos de estudiantes en poco tiempo: por seguridad, cada coordinador(a) "
                  "puede revisar un número limitado por hora. Vuelve a intentarlo más tarde; lo ya importado no cambia.")


@bp.route("/estudiantes/importar", methods=["POST"])
@role_required("coordinator")
@limiter.limit(lambda: current_app.config["ROSTER_IMPORT_LIMIT"], key_func=_importer_key,
               error_message=IMPORT_LIMITED, deduct_when=lambda response: response.status_code < 400)
def import_upload():
    """Read the file (CSV or XLSX, by its content) and show its preview in place; nothing is saved."""
    cetpro = current_cetpro()
    file = request.files.get("archivo")
    try:
        content = read_upload(file, imports.MAX_BYTES, "un archivo CSV o XLSX")
        sheet = imports.read(content)
    except (UploadError, sheets.FileRefused) as error:
        return _render_import(cetpro, 422, upload_error=str(error))
    token = imports.check_upload(current_user, cetpro, sheet, imports.fingerprint(content), file.filename or "")
    location = url_for("coordinators.import_form", vista=token)
    if not htmx.is_htmx():
        return redirect(location, code=303)
    preview = imports.load_preview(token, current_user)
    response = _render_import(cetpro, preview=preview, check=imports.check(preview.rows, cetpro))
    # A reload or a shared tab shows the same preview, checked again.
    headers.put(response, "HX-Push-Url", location)
    return response


@bp.route("/estudiantes/importar/confirmar", methods=["POST"])
@role_required("coordinator")
def import_confirm():
    """Import the preview's valid rows in one transaction, if they are still what was shown."""
    cetpro = current_cetpro()
    form = ConfirmForm()
    try:
        result = imports.confirm(form.token.data or "", current_user, cetpro,
                                 form.fingerprint.data or "", form.revision.data or "")
    except imports.PreviewMissing:
        abort(404)
    except imports.PreviewExpired:
        return _render_import(cetpro, 410, upload_error=EXPIRED)
    except imports.PreviewBusy:
        return _render_import(cetpro, 409, warning=BUSY)
    except imports.PreviewChanged as changed:
        return _render_import(cetpro, 409, preview=changed.preview, check=changed.check, warning=CHANGED)
    except imports.NothingToImport as nothing:
        return _render_import(cetpro, 422, preview=nothing.preview, check=nothing.check,
                              warning="No hay filas válidas para importar. Corrige el archivo y súbelo otra vez.")
    message = (f"Importación lista: {result.new} {'estudiante nuevo' if result.new == 1 else 'estudiantes nuevos'}, "
               f"{result.updated} {'actualizado' if result.updated == 1 else 'actualizados'}.")
    return htmx.done(url_for("coordinators.roster"), "roster/_import.html", message=message,
                     **_import_context(cetpro, result=result))


def _download(content: bytes, ext: str, name: str) -> Response:
    mimetype = sheets.XLSX_MIMETYPE if ext == "xlsx" else sheets.CSV_MIMETYPE
    return attachment(content, mimetype, f"{name}.{ext}")


@bp.route("/estudiantes/plantilla.<any(xlsx, csv):ext>")
@role_required("coordinator")
def roster_template(ext: str):
    """The import template: the Spanish headers (and, in XLSX, the programmes and instructions)."""
    current_cetpro()
    if ext == "csv":
        return _download(sheets.write_csv(sheets.HEADERS, []), ext, "plantilla-estudiantes")
    return _download(sheets.template_xlsx(queries.template_reference()), ext, "plantilla-estudiantes")


@bp.route("/estudiantes/exportar.<any(xlsx, csv):ext>")
@role_required("coordinator")
def roster_export(ext: str):
    """The roster with the current filters, as the template's columns plus verification and placement."""
    cetpro = current_cetpro()
    filters = _filters()
    rows = queries.export_rows(current_user, filters)
    services.record_export(current_user, cetpro, ext, len(rows), filters.args(pagina=1))
    name = f"estudiantes-{cetpro.codigo_modular}-{clock.today():%Y-%m-%d}"
    if ext == "csv":
        return _download(sheets.write_csv(sheets.EXPORT_HEADERS, rows), ext, name)
    return _download(sheets.export_xlsx(rows), ext, name)

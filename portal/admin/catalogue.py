"""The trade catalogue (/admin/catalogo): families → programmes (with level) → modules, and
the free skills. Add, rename, reorder modules, retire and restore, merge two that mean the
same thing (after a preview of what moves). Writes in portal/reference/catalogue.py and
merging.py; every answer works without JavaScript (303 to the page) and with htmx (the
changed list, with a toast)."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from portal import htmx, vocab
from portal.access import role_required
from portal.admin import bp
from portal.extensions import db
from portal.models import Family, Module, Programme
from portal.paging import Number
from portal.reference import catalogue as edits
from portal.reference import merging, queries

KINDS = {"familias": Family, "programas": Programme, "modulos": Module}


def _get(model, item_id: int):
    return db.session.get(model, item_id) or abort(404)


def _number(name: str) -> int | None:
    """An id from the form or query string (digits within the database's integer), else None."""
    return Number().parse(request.values.get(name, "").strip())


def _families_answer(message: str, kind: str = "success", status: int = 200):
    return htmx.done(url_for(".catalogue"), "admin/_catalogue_families.html", message=message, kind=kind,
                     status=status, families=queries.families())


def _programmes_answer(family: Family, message: str, kind: str = "success", status: int = 200):
    return htmx.done(url_for(".catalogue_family", family_id=family.id), "admin/_catalogue_programmes.html",
                     message=message, kind=kind, status=status, family=family,
                     programmes=queries.programmes_of(family), levels=vocab.LEVELS)


def _modules_answer(programme: Programme, message: str, kind: str = "success", status: int = 200):
    return htmx.done(url_for(".catalogue_programme", programme_id=programme.id), "admin/_catalogue_modules.html",
                     message=message, kind=kind, status=status, programme=programme,
                     modules=queries.modules_of(programme))


def _renamed(item, location: str, done: str, *level: str):
    """Rename a family or a programme (and set a programme's `level`) from the form, and answer
    with its page: `done` says so, with the new {name}."""
    try:
        edits.rename(current_user, item, request.form.get("name", ""), *level)
    except edits.CatalogueError as error:
        return htmx.done(location, message=str(error), kind="error", status=422)
    return htmx.done(location, message=done.format(name=item.name))


@bp.route("/catalogo")
@role_required("admin")
def catalogue():
    """The families, retired ones last, and a form to add one."""
    return htmx.render("admin/catalogue.html", "admin/_catalogue_families.html", families=queries.families())


@bp.route("/catalogo/familias", methods=["POST"])
@role_required("admin")
def add_family():
    try:
        family = edits.add_family(current_user, request.form.get("name", ""))
    except edits.CatalogueError as error:
        return _families_answer(str(error), "error", 422)
    return _families_answer(f"Añadiste la familia «{family.name}».")


@bp.route("/catalogo/familias/<int:family_id>")
@role_required("admin")
def catalogue_family(family_id: int):
    """A family's programmes with their level, students and openings."""
    family = _get(Family, family_id)
    return htmx.render("admin/catalogue_family.html", "admin/_catalogue_programmes.html", family=family,
                       programmes=queries.programmes_of(family), levels=vocab.LEVELS)


@bp.route("/catalogo/familias/<int:family_id>/nombre", methods=["POST"])
@role_required("admin")
def rename_family(family_id: int):
    family = _get(Family, family_id)
    return _renamed(family, url_for(".catalogue_family", family_id=family.id), "La familia se llama ahora «{name}».")


@bp.route("/catalogo/familias/<int:family_id>/programas", methods=["POST"])
@role_required("admin")
def add_programme(family_id: int):
    family = _get(Family, family_id)
    try:
        programme = edits.add_programme(current_user, family, request.form.get("name", ""),
                                            request.form.get("level", ""))
    except edits.CatalogueError as error:
        return _programmes_answer(family, str(error), "error", 422)
    return _programmes_answer(family, f"Añadiste el programa «{programme.name}».")


@bp.route("/catalogo/programas/<int:programme_id>")
@role_required("admin")
def catalogue_programme(programme_id: int):
    """A programme: its name and level, and its modules in order."""
    programme = _get(Programme, programme_id)
    return htmx.render("admin/catalogue_programme.html", "admin/_catalogue_modules.html", programme=programme,
                       modules=queries.modules_of(programme), levels=vocab.LEVELS)


@bp.route("/catalogo/programas/<int:programme_id>/nombre", methods=["POST"])
@role_required("admin")
def rename_programme(programme_id: int):
    programme = _get(Programme, programme_id)
    return _renamed(programme, url_for(".catalogue_programme", programme_id=programme.id),
                    "Guardamos el programa «{name}».", request.form.get("level", ""))


@bp.route("/catalogo/programas/<int:programme_id>/modulos", methods=["POST"])
@role_required("admin")
def add_module(programme_id: int):
    programme = _get(Programme, programme_id)
    try:
        module = edits.add_module(current_user, programme, request.form.get("name", ""))
    except edits.CatalogueError as error:
        return _modules_answer(programme, str(error), "error", 422)
    return _modules_answer(programme, f"Añadiste el módulo «{module.name}».")


@bp.route("/catalogo/modulos/<int:module_id>/nombre", methods=["POST"])
@role_required("admin")
def rename_module(module_id: int):
    module = _get(Module, module_id)
    try:
        edits.rename(current_user, module, request.form.get("name", ""))
    except edits.CatalogueError as error:
        db.session.rollback()
        return _modules_answer(module.programme, str(error), "error", 422)
    return _modules_answer(module.programme, f"El módulo se llama ahora «{module.name}».")


@bp.route("/catalogo/modulos/<int:module_id>/<any(subir, bajar):direction>", methods=["POST"])
@role_required("admin")
def move_module(module_id: int, direction: str):
    """One place up or down in its programme's order."""
    module = _get(Module, module_id)
    moved = edits.move(current_user, module, -1 if direction == "subir" else 1)
    message = (f"Moviste «{module.name}» {'arriba' if direction == 'subir' else 'abajo'}." if moved
               else f"«{module.name}» ya está {'primero' if direction == 'subir' else 'último'}.")
    return _modules_answer(module.programme, message, "success" if moved else "info")


@bp.route("/catalogo/<any(familias, programas, modulos):kind>/<int:item_id>/<any(retirar, reactivar):action>",
          methods=["POST"])
@role_required("admin")
def retire(kind: str, item_id: int, action: str):
    """Retire (off every choice list; old records keep it) or restore an item."""
    item = _get(KINDS[kind], item_id)
    words = edits.KIND_WORDS[type(item)]
    try:
        if action == "retirar":
            edits.retire(current_user, item)
            message, level = f"Retiraste {words} «{item.name}»: ya no se ofrece, y quien lo tiene lo conserva.", "success"
        else:
            edits.restore(current_user, item)
            message, level = f"Reactivaste {words} «{item.name}».", "success"
    except edits.CatalogueError as error:
        message, level = str(error), "error"
    status = 422 if level == "error" else 200
    if isinstance(item, Family):
        return _families_answer(message, level, status)
    if isinstance(item, Programme):
        return _programmes_answer(item.family, message, level, status)
    return _modules_answer(item.programme, message, level, status)


# --- Merging ---------------------------------------------------------------------------------------


def _merge_page(merged, targets, kept, endpoint: str, **values):
    preview, error = None, None
    if kept is not None:
        try:
            preview = (merging.preview_programmes(merged, kept) if isinstance(merged, Programme)
                       else merging.preview_modules(merged, kept))
        except edits.CatalogueError as problem:
            error = str(problem)
    return htmx.render("admin/catalogue_merge.html", "admin/_catalogue_merge_preview.html",
                       status=422 if error else 200, merged=merged, kept=kept, targets=targets,
                       is_programme=isinstance(merged, Programme),
                       preview=preview, error=error, action=url_for(endpoint, **values))


def _merge(merged, kept_model, merge, page: str):
    kept = db.session.get(kept_model, _number("kept_id") or 0)
    if kept is None:
        return htmx.done(page, message="Elige con cuál se fusiona.", kind="error", status=422)
    try:
        preview = merge(current_user, merged, kept)
    except edits.CatalogueError as error:
        return htmx.done(page, message=str(error), kind="error", status=422)
    return preview, kept


@bp.route("/catalogo/programas/<int:programme_id>/fusionar", methods=["GET", "POST"])
@role_required("admin")
def merge_programme(programme_id: int):
    """Merge this programme into another: GET previews what moves, POST does it."""
    programme = _get(Programme, programme_id)
    page = url_for(".merge_programme", programme_id=programme.id)
    if request.method == "GET":
        kept = db.session.get(Programme, _number("con") or 0)
        return _merge_page(programme, queries.merge_targets(programme), kept, ".merge_programme",
                           programme_id=programme.id)
    answer = _merge(programme, Programme, merging.merge_programmes, page)
    if not isinstance(answer, tuple):
        return answer
    preview, kept = answer
    return htmx.done(url_for(".catalogue_programme", programme_id=kept.id),
                     message=f"Fusionaste «{programme.name}» con «{kept.name}»: se movieron {preview.total} registros.")


@bp.route("/catalogo/modulos/<int:module_id>/fusionar", methods=["GET", "POST"])
@role_required("admin")
def merge_module(module_id: int):
    """Merge this module into another of its programme: GET previews, POST does it."""
    module = _get(Module, module_id)
    page = url_for(".merge_module", module_id=module.id)
    if request.method == "GET":
        kept = db.session.get(Module, _number("con") or 0)
        targets = [("", queries.module_targets(module))]
        return _merge_page(module, targets, kept, ".merge_module", module_id=module.id)
    answer = _merge(module, Module, merging.merge_modules, page)
    if not isinstance(answer, tuple):
        return answer
    preview, kept = answer
    return htmx.done(url_for(".catalogue_programme", programme_id=kept.programme_id),
                     message=f"Fusionaste «{module.name}» con «{kept.name}»: se movieron {preview.total} registros.")


@bp.route("/catalogo/habilidades")
@role_required("admin")
def skills():
    """Free skills by use; with `de` and `en`, the preview of merging one into the other."""
    merged, kept = request.args.get("de", "").strip(), request.args.get("en", "").strip()
    preview, error = None, None
    if merged or kept:
        try:
            preview = merging.preview_skills(merged, kept)
        except edits.CatalogueError as problem:
            error = str(problem)
    return htmx.render("admin/catalogue_skills.html", "admin/_catalogue_skill_preview.html",
                       status=422 if error else 200, uses=merging.skill_uses(), merged=merged, kept=kept,
                       preview=preview, error=error)


@bp.route("/catalogo/habilidades/fusionar", methods=["POST"])
@role_required("admin")
def merge_skills():
    merged, kept = request.form.get("de", ""), request.form.get("en", "")
    try:
        preview = merging.merge_skills(current_user, merged, kept)
    except edits.CatalogueError as error:
        return htmx.done(url_for(".skills", de=merged, en=kept), message=str(error), kind="error", status=422)
    return htmx.done(url_for(".skills"), message=f"Fusionaste «{merged.strip()}» con «{kept.strip()}»: "
                     f"se movieron {preview.total} registros.")

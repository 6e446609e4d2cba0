"""The graduate's one-tap follow-up answer (/seguimiento/<token>): no sign-in, the signed
link is the key."""
from __future__ import annotations

from flask import Blueprint, request, url_for

from portal import htmx
from portal.placements import services
from portal.placements.forms import AnswerForm

bp = Blueprint("placements", __name__)


@bp.context_processor
def _wording() -> dict:
    return {"follow_up_wording": services.wording}

@bp.route("/seguimiento/<token>", methods=["GET", "POST"])
def follow_up(token: str):
    """"¿Sigues trabajando allí?" (or, for studies or a search, "¿Cómo te va ahora?") from the emailed link: no sign-in, the signed link is the key.

    Answering is a POST (three buttons), never the GET itself: mail scanners and link
    previews open links, and must not answer for the person.
    """
    row, problem = services.read_token(token)
    if row is None:
        status = 410 if problem == "expired" else 404
        return htmx.render("placements/follow_up.html", "placements/_follow_up.html", status=status,
                           follow_up=None, problem=problem, form=AnswerForm(formdata=None), token=token)
    form = AnswerForm()
    if request.method == "GET":
        return htmx.render("placements/follow_up.html", "placements/_follow_up.html",
                           follow_up=row, problem=None, form=AnswerForm(formdata=None), token=token)
    if not form.validate_on_submit():
        error = " ".join(form.current_employer.errors) or "No pudimos leer tu respuesta. Toca una de las respuestas."
        return htmx.render("placements/follow_up.html", "placements/_follow_up.html", status=422,
                           follow_up=row, problem=None, form=form, token=token, error=error)
    try:
        changed = services.answer(row, form.answer.data or "", form.current_employer.data, None,
                                  form.outcome.data or "")
    except services.PlacementError as error:
        return htmx.render("placements/follow_up.html", "placements/_follow_up.html", status=422,
                           follow_up=row, problem=None, form=form, token=token, error=str(error))
    message = "¡Gracias! Registramos tu respuesta." if changed else "Ya registramos tu respuesta. ¡Gracias!"
    return htmx.done(url_for(".follow_up", token=token), "placements/_follow_up.html", message=message,
                     follow_up=row, problem=None, form=AnswerForm(formdata=None), token=token, thanks=message)

"""Rotating SECRET_KEY with SECRET_KEY_FALLBACKS: nobody is signed out, emailed links keep
working, and without the fallback both end (a leaked key)."""
from portal.accounts import confirmation, passwords
from portal.extensions import db
from tests import factories


def _rotate(app, fallback: bool) -> None:
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "una-clave-nueva-y-larga"
    app.config["SECRET_KEY_FALLBACKS"] = [old] if fallback else []


def test_with_the_old_key_as_fallback_sessions_and_links_survive_the_rotation(app, client, auth):
    student = factories.student()
    auth.login(student)
    reset = passwords.reset_token(student)
    newcomer = factories.student()
    newcomer.email_confirmed_at = None
    db.session.commit()
    confirm = confirmation.confirmation_token(newcomer)
    _rotate(app, fallback=True)
    assert client.get("/estudiante").status_code == 200  # still signed in
    assert passwords.user_for_reset_token(reset) == student
    assert confirmation.user_for_confirmation_token(confirm) == newcomer
    # New links are signed with the new key: they keep working once the fallback goes.
    fresh = passwords.reset_token(student)
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert passwords.user_for_reset_token(fresh) == student
    assert passwords.user_for_reset_token(reset) is None


def test_without_the_fallback_a_new_key_signs_everybody_out_and_voids_links(app, client, auth):
    student = factories.student()
    auth.login(student)
    reset = passwords.reset_token(student)
    _rotate(app, fallback=False)
    answer = client.get("/estudiante")
    assert answer.status_code == 302 and "/ingresar" in answer.location
    assert passwords.user_for_reset_token(reset) is None

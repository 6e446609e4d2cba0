"""Signing in and out."""
import pytest

from portal.extensions import db
from tests import factories


@pytest.mark.parametrize(
    "make, dashboard",
    [
        (factories.student, "/estudiante"),
        (factories.employer, "/empresa"),
        (factories.coordinator, "/coordinador"),
        (factories.admin, "/admin"),
    ],
)
def test_each_role_signs_in_and_reaches_its_dashboard(client, auth, make, dashboard):
    user = make()
    response = auth.login(user)
    assert response.status_code == 303
    assert response.headers["Location"] == "/panel"
    response = client.get("/panel")
    assert response.headers["Location"] == dashboard
    page = client.get(dashboard)
    assert page.status_code == 200
    assert user.first_names.encode() in page.data or b"CETPRO" in page.data


def test_wrong_password_and_unknown_email_get_the_same_spanish_message(client, auth):
    user = factories.student()
    wrong = auth.login(user, "otra-contrasena")
    unknown = auth.login("nadie@example.pe", "otra-contrasena")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "El correo o la contraseña no son correctos.".encode() in response.data
    assert user.email.encode() in wrong.data  # what was typed is kept
    assert client.get("/estudiante").status_code == 302


def test_login_returns_to_the_page_asked_for(client):
    user = factories.student()
    response = client.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD,
                                              "next": "/ofertas?q=cocina"})
    assert response.headers["Location"] == "/ofertas?q=cocina"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(client, target):
    user = factories.student()
    response = client.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD, "next": target})
    assert response.headers["Location"] == "/panel"


def test_protected_page_sends_anonymous_visitor_to_login_and_back(client):
    response = client.get("/estudiante")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/ingresar?next=")


def test_other_role_gets_403_with_the_login_page(client, auth, htmx_headers):
    auth.login(factories.student())
    response = client.get("/empresa")
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Esta página es para cuentas de empresa" in text and 'id="login-form"' in text
    assert b"Acceso no permitido" in client.get("/admin").data
    fragment = client.get("/empresa", headers=htmx_headers)
    assert fragment.status_code == 403 and b'id="error"' in fragment.data


def test_repeated_failures_for_one_account_are_rate_limited(client, auth):
    user = factories.student()
    for _ in range(5):
        assert auth.login(user, "mala-contrasena").status_code == 422
    response = auth.login(user, "mala-contrasena")
    assert response.status_code == 429
    assert b"Demasiados intentos" in response.data
    # Even the right password waits: the account is protected, not just the guess.
    assert auth.login(user).status_code == 429


def test_successful_logins_do_not_count_against_the_limit(client, auth):
    user = factories.student()
    for _ in range(8):
        assert auth.login(user).status_code == 303
        auth.logout()


def test_logout_needs_post_and_ends_the_session(client, auth):
    auth.login(factories.student())
    assert client.get("/salir").status_code == 200  # a confirmation, not a logout
    assert client.get("/estudiante").status_code == 200
    response = auth.logout()
    assert response.status_code == 303
    assert client.get("/estudiante").status_code == 302


def test_logout_says_it_ends_every_session(app, client, auth):
    """Signing out ends the account's sessions on every device (a copied or forgotten one
    too): the confirmation page says so before the button, and the message after it."""
    user = factories.student()
    other_device = app.test_client()
    other_device.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD})
    auth.login(user)
    page = client.get("/salir").get_data(as_text=True)
    assert page.index("en todos tus dispositivos") < page.index("Sí, salir")
    response = client.post("/salir", follow_redirects=True)
    assert "Cerraste tu sesión en todos tus dispositivos." in response.get_data(as_text=True)
    assert other_device.get("/estudiante").status_code == 302  # the other device is signed out too


def test_logout_without_csrf_token_is_refused(client, auth):
    auth.login(factories.student())
    response = client.post("/salir", csrf=False)
    assert response.status_code == 400
    assert client.get("/estudiante").status_code == 200


def test_login_renews_the_session(client, auth):
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    auth.login(factories.student())
    with client.session_transaction() as session:
        assert "planted" not in session


def test_deactivated_user_cannot_sign_in(client, auth):
    user = factories.student()
    user.active = False
    db.session.commit()
    assert auth.login(user).status_code == 422

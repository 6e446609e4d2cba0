"""A signed-in person who opens a sign-up page is sent to their panel, and nothing is created."""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User
from tests import factories

PAGES = ["/registro", "/registro/estudiante", "/registro/empresa"]
PANELS = {"student": "/estudiante", "employer": "/empresa", "coordinator": "/coordinador", "admin": "/admin"}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", list(PANELS))
def test_signed_in_users_are_sent_to_their_panel(client, auth, path, role):
    make = {"student": factories.student, "employer": factories.employer,
            "coordinator": factories.coordinator, "admin": factories.admin}[role]
    auth.login(make())
    response = client.get(path)
    assert response.status_code == 303 and response.headers["Location"] == "/panel"
    panel = client.get("/panel")
    assert panel.headers["Location"] == PANELS[role]
    page = client.get(PANELS[role]).get_data(as_text=True)
    assert "Ya tienes una cuenta y tu sesión está abierta." in page


def test_a_signed_in_user_posting_a_sign_up_form_creates_nothing(client, auth):
    auth.login(factories.student())
    users = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/registro/empresa", data={
        "first_names": "Otra", "last_names": "Cuenta", "email": "otra@example.pe",
        "password": "una frase bastante larga", "ruc": "20100070970", "legal_name": "Otra S.A.C."})
    assert response.status_code == 303 and response.headers["Location"] == "/panel"
    assert db.session.scalar(select(func.count()).select_from(User)) == users


@pytest.mark.parametrize("path", PAGES)
def test_visitors_still_sign_up(client, path):
    assert client.get(path).status_code == 200

"""`flask users create-admin` and `create-coordinator`."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from tests import factories


def test_create_admin(runner, auth):
    result = runner.invoke(args=["users", "create-admin", "Jefa@Enlace.pe", "--password", "clave muy segura"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "jefa@enlace.pe"))
    assert user.role == "admin"
    assert auth.login("jefa@enlace.pe", "clave muy segura").status_code == 303


def test_create_coordinator_for_a_cetpro(runner):
    cetpro = factories.cetpro(codigo_modular="0123456")
    db.session.commit()
    result = runner.invoke(args=["users", "create-coordinator", "coord@cetpro.pe", "--cetpro", "0123456",
                                 "--password", "clave muy segura"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "coord@cetpro.pe"))
    assert user.role == "coordinator" and user.cetpro_id == cetpro.id


def test_create_coordinator_for_unknown_cetpro_fails_in_spanish(runner):
    result = runner.invoke(args=["users", "create-coordinator", "c@x.pe", "--cetpro", "9999999", "--password", "clave muy segura"])
    assert result.exit_code != 0
    assert "No existe un CETPRO con código modular 9999999" in result.output
    assert db.session.scalar(select(User)) is None


def test_weak_password_is_refused(runner):
    result = runner.invoke(args=["users", "create-admin", "a@x.pe", "--password", "corta"])
    assert result.exit_code != 0
    assert "al menos 10 caracteres" in result.output

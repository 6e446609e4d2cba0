"""WTForms' Spanish catalogue is read once per process (portal/forms.py `init_app`), not
once per request, and its messages are still Spanish."""
from __future__ import annotations

from babel import support

from tests import factories


def test_wtforms_catalogue_is_read_once_per_process_not_per_request(app, client, auth, monkeypatch):
    loads = []
    load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        classmethod(lambda cls, *args, **kwargs: loads.append(kwargs.get("domain")) or
                                    load(*args, **kwargs)))
    auth.login(factories.employer(factories.company()))
    for _ in range(3):  # the opening form: a page with several forms and hidden fields
        assert client.get("/empresa/ofertas/nueva").status_code == 200
    assert "wtforms" not in loads


def test_wtforms_own_messages_are_spanish(app):
    from flask_wtf import FlaskForm
    from wtforms import IntegerField

    class Plain(FlaskForm):
        number = IntegerField("Número")

    with app.test_request_context("/", method="POST", data={"number": "x"}):
        form = Plain(meta={"csrf": False})
        assert not form.validate()
        assert form.number.errors == ["No es un valor entero válido."]

"""Webhook forms. Fields only parse; the services check every rule with Spanish messages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from portal import vocab
from portal.forms import CheckboxesField, choices


class EndpointForm(FlaskForm):
    url = StringField("Dirección (URL) que recibe los eventos")
    description = StringField("Descripción (opcional)")
    events = CheckboxesField("Eventos", choices=choices(vocab.WEBHOOK_EVENTS), validate_choice=False)


class DeleteForm(FlaskForm):
    confirm = BooleanField("Sí, eliminar este webhook y su registro de entregas")

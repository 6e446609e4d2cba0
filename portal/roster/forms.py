"""Roster forms (CSRF via Flask-WTF; the services check what matters)."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from portal.accounts.forms import ResetForm


class ConfirmForm(FlaskForm):
    token = HiddenField()
    fingerprint = HiddenField()
    revision = HiddenField()


class DecisionForm(FlaskForm):
    reason = StringField("Motivo del rechazo")
    action = HiddenField()


class WelcomeForm(ResetForm):
    """The first password of an imported student: the same rules as a reset."""

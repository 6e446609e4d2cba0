"""The generated CV's data under the data rights (Ley 29733): the export holds the
experiences she added and her choices of what the CV shows; erasure removes both."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CvExperience, CvPreferences
from portal.privacy import deletion, export
from portal.profiles import cv_details
from tests import factories


def _student_with_cv_data():
    user = factories.named(factories.student(), "Zoraida", "Ccahuana Tintaya")
    profile = user.student
    cv_details.add_experience(profile, user, cv_details.ExperienceData(
        "independiente", "Repostería por encargo", "Dulces Zoraida", date(2023, 4, 1), None,
        "Tortas para cumpleaños en Paucarpata"), on=date(2026, 1, 1))
    cv_details.set_preferences(profile, user, show_email=False, show_phone=True, shown="generado")
    return user


def test_the_export_holds_her_experiences_and_choices(app):
    user = _student_with_cv_data()
    data, _ = export.collect(user)
    assert "cv_generado" in export.CATEGORIES
    cv = data["cv_generado"]
    assert cv["preferencias"]["show_email"] is False and cv["preferencias"]["shown"] == "generado"
    assert cv["experiencias"] == [{
        "kind": "independiente", "role": "Repostería por encargo", "employer": "Dulces Zoraida",
        "start_date": "2023-04-01", "end_date": None, "description": "Tortas para cumpleaños en Paucarpata",
        "created_at": cv["experiencias"][0]["created_at"]}]


def test_erasure_removes_them(app):
    user = _student_with_cv_data()
    other = _student_with_cv_data()  # another student's stay
    deletion.erase(user)
    db.session.commit()
    for model in (CvExperience, CvPreferences):
        assert db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.student_id == user.student.id)) == 0
        assert db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.student_id == other.student.id)) == 1

"""The bench's writer (`bench/run.py --writes`) saves the edit form as a browser would: every
field the page holds goes back unchanged but the title, so each save is one real change."""
from __future__ import annotations

from dataclasses import asdict

from werkzeug.datastructures import MultiDict

from bench.run import TITLE_SUFFIX, edited, form_fields
from portal.extensions import db
from portal.models import Opening
from portal.openings import services
from tests import factories


def test_the_bench_writer_changes_only_the_title_and_a_second_save_restores_it(client, auth):
    employer = factories.employer(factories.company(verified=True))
    opening = factories.opening(employer.membership.company, title="Electricista de obra", required_modules=2)
    before = asdict(services.data_of(opening))
    auth.login(employer)
    titles = []
    for _ in range(2):
        page = client.get(f"/empresa/ofertas/{opening.id}/editar").get_data(as_text=True)
        response = client.post(f"/empresa/ofertas/{opening.id}/editar",
                               data=MultiDict(edited(form_fields(page, "opening-form"))))
        assert response.status_code == 303
        db.session.expire_all()
        saved = db.session.get(Opening, opening.id)
        titles.append(saved.title)
        after = asdict(services.data_of(saved))
        assert {k: v for k, v in after.items() if k != "title"} == {k: v for k, v in before.items() if k != "title"}
    assert titles == [f"Electricista de obra{TITLE_SUFFIX}", "Electricista de obra"]

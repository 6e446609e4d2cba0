"""Which endpoints a rate limit can reach (portal.extensions.limits_may_apply): Flask-Limiter
skips its per-request work where none can, and still limits every endpoint that has one."""
from portal.extensions import limits_may_apply


def test_limits_may_apply_where_a_view_or_its_blueprint_declares_one(app):
    api = next(rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api."))
    assert limits_may_apply(app, "openings.report")  # the view's own limit
    assert limits_may_apply(app, "alerts.unsubscribe")
    assert limits_may_apply(app, api)  # the API blueprint's limit
    assert not limits_may_apply(app, "openings.index")
    assert not limits_may_apply(app, "pages.home")


def test_a_limited_view_still_answers_429_after_an_unlimited_one_was_asked(app, client):
    """The listing (no limit) asked first, then an opening reported more than 10 times an
    hour from one address: the eleventh report is refused."""
    from tests import factories

    opening = factories.opening(factories.company())
    assert client.get("/ofertas").status_code == 200
    answers = [client.post(f"/ofertas/{opening.id}/reportar", data={"reason": "fraude", "detail": ""}).status_code
               for _ in range(11)]
    assert 429 not in answers[:10] and answers[10] == 429

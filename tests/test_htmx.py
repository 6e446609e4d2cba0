"""portal/htmx.py: page or fragment, Vary, merged HX-Trigger events."""
import json

import pytest
from flask import Flask, render_template_string

from portal import htmx


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "page.html").write_text("<html><body>PAGE {% include 'frag.html' %}</body></html>")
    (tmp_path / "frag.html").write_text("<div id='frag'>FRAG</div>")
    app = Flask(__name__, template_folder=str(tmp_path))
    app.secret_key = "test"

    @app.route("/thing")
    def thing():
        return htmx.render("page.html", "frag.html")

    @app.route("/save", methods=["POST"])
    def save():
        response = htmx.done("/thing", "frag.html", event="thing-saved", detail={"id": 7})
        return htmx.notice(response, "Guardado")

    @app.route("/told", methods=["POST"])
    def told():
        return htmx.done("/thing", "frag.html", message="Guardamos a D’Ángelo — 👍", kind="info")

    @app.route("/refused", methods=["POST"])
    def refused():
        return htmx.done("/thing", "frag.html", message="Ya estaba cerrada.", kind="error", status=409)

    @app.route("/nothing", methods=["POST"])
    def nothing():
        return htmx.done("/thing", event="thing-deleted")

    return app.test_client()


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({}, b"PAGE"),
        ({"HX-Request": "true", "HX-Request-Type": "partial"}, b"FRAG"),
        ({"HX-Request": "true", "HX-Request-Type": "full"}, b"PAGE"),
        ({"HX-Request": "true", "HX-Request-Type": "partial", "HX-History-Restore-Request": "true"}, b"PAGE"),
        ({"HX-Request": "true", "HX-Request-Type": "partial", "HX-Boosted": "true"}, b"PAGE"),
        ({"HX-Request-Type": "partial"}, b"PAGE"),  # not htmx at all
    ],
)
def test_partial_requests_get_the_fragment_everything_else_the_page(tiny, headers, expected):
    response = tiny.get("/thing", headers=headers)
    assert response.status_code == 200
    assert response.data.startswith(b"<html") == (expected == b"PAGE")
    assert b"FRAG" in response.data


def test_every_rendered_response_varies_on_htmx_headers(tiny):
    for headers in ({}, {"HX-Request": "true", "HX-Request-Type": "partial"}):
        vary = tiny.get("/thing", headers=headers).headers["Vary"]
        assert "HX-Request" in vary and "HX-Request-Type" in vary


def test_post_without_htmx_redirects_with_303(tiny):
    response = tiny.post("/save")
    assert response.status_code == 303
    assert response.headers["Location"] == "/thing"


def test_post_with_htmx_gets_fragment_and_merged_events(tiny):
    response = tiny.post("/save", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    assert response.status_code == 200
    assert response.data == b"<div id='frag'>FRAG</div>"
    events = json.loads(response.headers["HX-Trigger"])
    assert events == {"thing-saved": {"id": 7}, "notice-posted": {"message": "Guardado", "kind": "success"}}


def test_post_with_htmx_and_nothing_to_swap_is_204(tiny):
    response = tiny.post("/nothing", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert json.loads(response.headers["HX-Trigger"]) == {"thing-deleted": None}


def test_trigger_keeps_events_given_as_plain_names():
    app = Flask(__name__)
    with app.test_request_context():
        response = app.make_response(render_template_string("x"))
        response.headers["HX-Trigger"] = "first, second"
        htmx.trigger(response, "third", 3)
        assert json.loads(response.headers["HX-Trigger"]) == {"first": None, "second": None, "third": 3}


def test_done_flashes_its_message_before_the_303_without_htmx(tiny):
    response = tiny.post("/told")
    assert response.status_code == 303 and response.headers["Location"] == "/thing"
    assert "HX-Trigger" not in response.headers
    with tiny.session_transaction() as session:
        assert session["_flashes"] == [("info", "Guardamos a D’Ángelo — 👍")]


def test_done_sends_its_message_as_a_toast_with_htmx_and_flashes_nothing(tiny):
    response = tiny.post("/told", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    assert response.status_code == 200 and response.data == b"<div id='frag'>FRAG</div>"
    assert json.loads(response.headers["HX-Trigger"]) == {
        "notice-posted": {"message": "Guardamos a D’Ángelo — 👍", "kind": "info"}}
    with tiny.session_transaction() as session:
        assert "_flashes" not in session


def test_an_error_keeps_its_status_and_kind(tiny):
    plain = tiny.post("/refused")
    assert plain.status_code == 303
    with tiny.session_transaction() as session:
        assert session["_flashes"] == [("error", "Ya estaba cerrada.")]
    swapped = tiny.post("/refused", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    assert swapped.status_code == 409
    assert json.loads(swapped.headers["HX-Trigger"])["notice-posted"]["kind"] == "error"


def test_hx_trigger_is_ascii_whatever_the_data(tiny):
    """A typographic apostrophe, a dash or an emoji must never make the header unsendable."""
    response = tiny.post("/told", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    raw = response.headers["HX-Trigger"]
    assert raw.isascii()
    raw.encode("latin-1")  # what an HTTP/1.1 server can send
    assert "\\u2019" in raw  # D’Ángelo's apostrophe, escaped for JSON

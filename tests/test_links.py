"""Links by name: services build their links from endpoint names (portal.links), the same
in a request and in a CLI job, and emails point at BASE_URL whatever host a request names."""
import ast
import re
from pathlib import Path

from flask import url_for
from sqlalchemy import select

from portal import links
from portal.extensions import db
from portal.models import OutboxEmail
from tests import factories

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def test_a_cli_job_builds_the_links_a_view_builds(app):
    # The fixture's app context has no request, as in `flask placements follow-ups`.
    built = [links.path("openings.show", opening_id=7), links.path("employers.pipeline", opening_id=3),
             links.path("employers.dashboard"), links.path("placements.follow_up", token="a.b-c")]
    assert built == ["/ofertas/7", "/empresa/ofertas/3/postulantes", "/empresa", "/seguimiento/a.b-c"]
    assert links.external("employers.join", token="t") == "http://localhost/empresa/unirse/t"
    with app.test_request_context("/"):
        assert built == [url_for("openings.show", opening_id=7), url_for("employers.pipeline", opening_id=3),
                         url_for("employers.dashboard"), url_for("placements.follow_up", token="a.b-c")]


ARGS = [{}, {"q": "electricista"}, {"q": "técnico en refrigeración & aire", "familia": 3, "pagina": None},
        {"q": "a+b/c?d=e#f;g,h!i$j'k(l)m*n:o@p ñ %", "departamento": "15", "pagina": 2},
        {"tipo": ["empleo", "practicas"], "orden": "sueldo"}]


def test_with_query_writes_what_url_for_writes(app):
    """links.with_query (the listing fragment's links) against url_for: each endpoint, odd
    characters, None values, repeated keys, an endpoint with values of its own, and the
    portal served under a path prefix (a proxy's SCRIPT_NAME)."""
    for script_root in ("", "/enlace"):
        with app.test_request_context("/ofertas", base_url=f"http://localhost{script_root}"):
            for endpoint in ("openings.index", "openings.feed", "employers.dashboard"):
                for args in ARGS:
                    assert links.with_query(endpoint, args) == url_for(endpoint, **args)
                    assert links.with_query(endpoint, args).startswith(script_root + "/")
            assert links.with_query("openings.show", {"opening_id": 7, "q": "x y"}) == \
                url_for("openings.show", opening_id=7, q="x y") == f"{script_root}/ofertas/7?q=x+y"


def test_a_pagers_links_are_url_for_each_page_it_shows(app):
    """links.page_links (every pager's links, in one call) against url_for: the numbers the
    pager shows and the pages either side, with filters, path values, or neither."""
    from portal.openings.queries import Filters
    from portal.paging import Page

    with app.test_request_context("/ofertas?q=t%C3%A9cnico+%26+aire&departamento=15&pagina=7"):
        from flask import request
        filters = Filters.from_args(request.args)
        page = Page([], 500, page=7)
        found = links.page_links(page, "openings.index", filters)
        assert sorted(found) == [1, 5, 6, 7, 8, 9, 25]
        assert found == {n: url_for("openings.index", **filters.args(pagina=n)) for n in found}
        assert found[1] == "/ofertas?q=t%C3%A9cnico+%26+aire&departamento=15"
        found = links.page_links(page, "coordinators.candidates", filters, {"opening_id": 3})
        assert found[8] == url_for("coordinators.candidates", opening_id=3, **filters.args(pagina=8))
        first = Page([], 45, page=1)
        assert links.page_links(first, "notifications.index") == {1: "/notificaciones", 2: "/notificaciones?pagina=2",
                                                                   3: "/notificaciones?pagina=3"}


def test_an_emailed_link_points_at_base_url_whatever_host_the_request_names(app, client):
    user = factories.student(email="rosa@mail.pe")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False  # the session cookie belongs to localhost, not to this host
    response = client.post("/recuperar", data={"email": user.email}, base_url="http://evil.example", csrf=False)
    assert response.status_code == 303
    body = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.to_address == user.email))
    assert re.search(r"http://localhost/recuperar/\S+", body) and "evil.example" not in body


def _route_declarations(tree: ast.AST) -> set[int]:
    """The string nodes that declare a route: `@bp.route("/x")` and `Blueprint(..., url_prefix="/x")`."""
    declared = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in ("route", "Blueprint"):
            declared.update(id(sub) for arg in [*node.args, *(k.value for k in node.keywords)]
                            for sub in ast.walk(arg))
    return declared


def _code_strings(tree: ast.AST):
    """Every string literal of a module but its docstrings and route declarations (f-string parts included)."""
    skip = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr)} | _route_declarations(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node


def test_no_module_writes_a_path_of_the_site_but_to_declare_a_route(app):
    """A path typed as text breaks silently when its route moves; `portal.links` and `url_for` name it."""
    prefixes = {rule.rule.split("/")[1] for rule in app.url_map.iter_rules()} - {"", "static"}
    site_path = re.compile("^/(" + "|".join(sorted(prefixes)) + r")\b")
    found = []
    for source in sorted(PORTAL.rglob("*.py")):
        if "seed" in source.parts:  # seeds are demo rows
            continue
        for node in _code_strings(ast.parse(source.read_text(), str(source))):
            if site_path.match(node.value):
                found.append(f"{source.relative_to(PORTAL.parent)}:{node.lineno}: {node.value!r}")
    assert not found, "\n".join(found)

"""The suite shares werkzeug's URL builders between its apps (tests/helpers/routing.py): each
rule of a new app must build exactly what werkzeug would have compiled for it, or a test could
pass on a link the portal never prints."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from tests.helpers import routing


def _values(rule) -> dict[str, object]:
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[-1]
        elif isinstance(converter, IntegerConverter):
            values[name] = 7
        else:
            values[name] = "año 2 / ñ"
    return values


def test_every_rule_builds_what_werkzeugs_own_builder_builds(app: Flask):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 200
    for rule in rules:
        for append_unknown in (False, True):
            own = routing._compile_builder(rule, append_unknown)
            shared = routing._shared_builder(rule, append_unknown)
            assert shared.__code__ == own.__code__, rule.rule
            values = _values(rule)
            extra = {"q": "electricista á&b", "pagina": 3} if append_unknown else {}
            assert shared(rule, **values, **extra) == own(rule, **values, **extra), rule.rule


def test_a_rule_with_other_defaults_gets_its_own_builder():
    one, other = Flask("one"), Flask("other")
    one.add_url_rule("/ofertas/<int:page>", "listing", defaults={"page": 1})
    other.add_url_rule("/ofertas/<int:page>", "listing", defaults={"page": 2})
    with one.test_request_context():
        from flask import url_for
        assert url_for("listing") == "/ofertas/1"
    with other.test_request_context():
        assert url_for("listing") == "/ofertas/2"

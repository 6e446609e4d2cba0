"""Every test builds its own app (`tests.helpers.web.serving`), and werkzeug compiles two URL
builders for each of the portal's 213 rules each time: 70 ms an app, a quarter of a typical
test's time (cProfile of tests/openings and tests/students, 2026-12-05). A builder is a
function of the rule's parsed parts and defaults only; it reaches the rule's converters
through the rule it is bound to. So the suite compiles each distinct builder once per process
and binds it to every rule that would have compiled the same one. `make run`, gunicorn and the
bench build one app and are untouched."""
from __future__ import annotations

from werkzeug.routing.rules import Rule

_compile_builder = Rule._compile_builder
_BUILDERS: dict[tuple, object] = {}


def _shared_builder(rule: Rule, append_unknown: bool = True):
    defaults = tuple(sorted((name, repr(value)) for name, value in (rule.defaults or {}).items()))
    converters = tuple(sorted((name, type(converter).__qualname__) for name, converter in rule._converters.items()))
    key = (type(rule), rule.rule, append_unknown, tuple(rule._trace), defaults, converters)
    builder = _BUILDERS.get(key)
    if builder is None:
        builder = _BUILDERS[key] = _compile_builder(rule, append_unknown)
    return builder


def share_url_builders() -> None:
    Rule._compile_builder = _shared_builder

"""Hostile input, generated with Hypothesis, on every query-string and form endpoint.

The rules come from `app.url_map` (static aside), so a new route is fuzzed without a line
here. What each route reads is found by asking it: the app under test parses query
strings, forms and files into a dictionary that records every key a view (or its WTForms
form) looks up. Discovery sends the route nothing, then plausible values for the keys it
read, then again, so keys read only when another is set (`programa` after `familia`)
are found too. File fields are the WTForms `FileField`s and the keys read from
`request.files`.

Each route is then sent, as an allowed role (anonymous where anonymous may), with a valid
CSRF token, as a page and as an htmx fragment, values drawn from: fixed nasties (NUL
bytes, SQL and path strings, markup, huge and negative numbers, odd dates, very long
text), random unicode text, integers of any size, floats, dates in several formats,
plausible codes and ids, repeated keys, unknown keys and, for tenant routes, hostile ids
and tokens in the path. File fields get random and disguised bytes under hostile names.
Every numeric field (a WTForms decimal, integer or float field, by name) also gets the
special numbers `Decimal()` reads (NaN, sNaN, ±Infinity, 1e999) and full-width digits, with
plausible values in the route's other fields, so the number reaches the code past the form.

What must hold:
- never a 5xx (nor an exception);
- a refusal (any 4xx; a redirect that flashes an error; a 200 whose body marks an
  error) says why in Spanish (no English WTForms message), and a refused POST leaves
  every table exactly as it was (row counts and a SHA-256 of the rows);
- a POST that is accepted is one of `MAY_ACCEPT`, the routes for which some hostile
  input is valid input (free text, an action with nothing to fill in), each with why.
"""
from __future__ import annotations

import io
from datetime import date

from flask import Request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter
from wtforms import DateField, DecimalField, FloatField, IntegerField
from wtforms.fields.core import UnboundField

from portal import clock, vocab
from tests.helpers.files import PNG
from tests.helpers.trust import changed_tables, error_messages, signed_in, snapshot, spanish_problem
from tests.helpers.web import HTMX
from tests.trust.test_access_matrix import ACCESS, ROLES, _methods, _rules, _user_of, _values
from tests.trust.world import PDF

KINDS = (("page", {}), ("fragment", HTMX))

# Examples per route: the whole file stays within about two minutes on SQLite.
GET_EXAMPLES = 5
POST_EXAMPLES = 6

SETTINGS = settings(
    max_examples=GET_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run, so CI is reproducible
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found, not shrunk
    suppress_health_check=list(HealthCheck),
)

# POST routes that accept some hostile input, because for them it is valid input.
MAY_ACCEPT = {
    "accounts.logout": "no fields: signing out",
    "coordinators.revoke_api_token": "no fields: revoking a token",
    "admin.revoke_api_token": "no fields: revoking a token",
    "accounts.resend_confirmation": "any well-formed email: the same answer whether or not an account waits",
    "notifications.mark_all_read": "no fields",
    "notifications.follow": "no fields: opening one's own notification marks it read",
    "admin.retry_email": "no fields: queue a failed email again",
    "admin.user_action": "an optional free-text reason: deactivating an account (or emailing it a link)",
    "openings.report": "a reason from a list and free-text details",
    "openings.suspend": "a free-text reason",
    "applications.apply": "an optional free-text message",
    "applications.withdraw": "no fields",
    "employers.notes": "free-text private notes",
    "students.remove_cv": "no fields",
    # The generated CV: an empty form unticks both boxes (hide email and phone), which is valid;
    # an experience is free text with dates; removing one takes no fields.
    "students.cv_preferences": "two checkboxes: unticked hides the email and the phone",
    "students.add_cv_experience": "a type from a list, free-text role, employer and description, dates",
    "students.update_cv_experience": "a type from a list, free-text role, employer and description, dates",
    "students.remove_cv_experience": "no fields",
    "students.upload_cv": "a real PDF can be drawn (under any name: it is stored under ours)",
    "coordinators.convenio_pdf": "a real PDF can be drawn",
    "employers.convenio_pdf": "a real PDF can be drawn",
    "employers.change_state": "no fields: publish/close/fill",
    "employers.duplicate": "no fields",
    "employers.invite_student": "no fields",
    "coordinators.nominate": "a free-text note",
    "coordinators.decide_company": "verify takes no fields, reject a free-text reason",
    "admin.decide_company": "verify takes no fields, reject a free-text reason",
    "employers.decide_request": "no fields",
    "employers.revoke_invitation": "no fields: revoke a pending invitation",
    "coordinators.decide_convenio": "no fields",
    "employers.decide_convenio": "no fields",
    "coordinators.decide_student": "verify takes no fields, reject a free-text reason",
    "coordinators.answer_follow_up": "an answer from a list and a free-text employer",
    "coordinators.revoke_certificate": "a free-text reason (up to 500 characters)",
    "coordinators.rotate_webhook_secret": "no fields: a new signing secret",
    "coordinators.redeliver_webhook": "no fields: queue a delivery again",
    "coordinators.delete_webhook": "a confirm box: any value a browser sends for a ticked box deletes",
    # The path's first action is «reactivar» (tests/trust/test_access_matrix.py picks it): on an
    # active CETPRO or coordinator it changes nothing, so the world keeps working.
    "admin.set_cetpro_active": "no fields: reactivate a CETPRO",
    "admin.set_coordinator_active": "no fields: reactivate a coordinator",
    "admin.invite_coordinator": "any well-formed email: an invitation is sent to it",
    # The catalogue's names are the admin's free text; moving and retiring take no fields.
    # (tests/helpers/web.py puts the catalogue back as seeded after the test.)
    "admin.add_family": "a free-text name",
    "admin.rename_family": "a free-text name",
    "admin.rename_programme": "a free-text name",
    "admin.rename_module": "a free-text name",
    "admin.add_programme": "a free-text name and a level from a list",
    "admin.add_module": "a free-text name",
    "admin.move_module": "no fields: move a module up or down",
    "admin.retire": "no fields: retire or reactivate an item",
    "privacy.download": "no fields: one's own data as a ZIP",
    "privacy.cancel_deletion": "no fields: cancel one's own pending deletion",
    # Any search may be saved (its words are free text) with a frequency from a list; a
    # repeated key is read as its first value, as everywhere.
    "students.save_alert": "a search's free-text words and a frequency from a list",
    "students.update_alert": "an action and a frequency, each from a list",
    # Interviews: a reason, a message or a note is free text; a slot is one of the proposal's ids.
    "employers.cancel_interview": "a free-text reason: the interview is cancelled",
    "employers.reschedule_interview": "a mode from a list, free-text place and note, days and times",
    "employers.propose_interview": "a mode from a list, free-text place and note, days and times",
    "students.ask_interview_time": "a free-text message asking for another time",
    "students.pick_interview": "a slot id: one of the proposal's is taken",
}

# --- Discovery: which keys does a route read? -------------------------------------------------

_SEEN: dict[str, set[str]] | None = None


class _Recording(ImmutableMultiDict):
    """A request's args/form/files that note every key looked up while discovering."""

    kind = "args"

    def _note(self, key) -> None:
        if _SEEN is not None and isinstance(key, str):
            _SEEN.setdefault(self.kind, set()).add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, *args, **kwargs):
        self._note(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        self._note(key)
        return super().getlist(key, *args, **kwargs)


class _RecordingRequest(Request):
    parameter_storage_class = _Recording

    def _load_form_data(self) -> None:
        super()._load_form_data()
        for name in ("form", "files"):
            data = self.__dict__.get(name)
            if isinstance(data, _Recording):
                data.kind = name


def _form_fields() -> dict[str, UnboundField]:
    """Every field of the portal's WTForms forms, by name (the first form declaring it wins)."""
    fields, todo = {}, [FlaskForm]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        for name in dir(cls):
            attr = getattr(cls, name, None)
            if isinstance(attr, UnboundField):
                fields.setdefault(name, attr)
    return fields


def _file_fields() -> set[str]:
    """Names of every WTForms FileField in the portal's forms."""
    return {name for name, field in _form_fields().items() if issubclass(field.field_class, FileField)}


def _numeric_fields() -> set[str]:
    """Names of every WTForms number field (decimal, integer, float) in the portal's forms."""
    kinds = (DecimalField, IntegerField, FloatField)
    return {name for name, field in _form_fields().items() if issubclass(field.field_class, kinds)}


def _plausible(name: str) -> str:
    """A value a person could well send in field `name`: the first of its fixed choices, a
    date, a small number, or a few words."""
    field = _form_fields().get(name)
    if field is None:
        return PLAUSIBLE[0]
    options = field.kwargs.get("choices")
    if options:
        first = next(iter(options))
        return str(getattr(first, "value", first[0] if isinstance(first, tuple) else first))
    if issubclass(field.field_class, DateField):
        return clock.today().isoformat()
    if issubclass(field.field_class, (DecimalField, IntegerField, FloatField)):
        return "8"
    return "Texto de prueba"


_CODES = sorted({code for value in vars(vocab).values() if isinstance(value, dict)
                 for code in value if isinstance(code, str)})
PLAUSIBLE = ["1", "2", "3", "04", "0401", "040101", "15", "1501", "150101", "20", "30", "1130",
             "2026-01-15", "15/01/2026", "on", "true", "si", "verificar", *_CODES]

FIXED = [
    "", " ", "0", "-1", "-2147483649", "2147483648", "9223372036854775808",
    "99999999999999999999999999999999", "1e309", "-1e309", "NaN", "inf", "1.5", "-0", "0x1F",
    "١٢٣", "１２３", "²", "2025-02-30", "2025-13-01", "0000-00-00", "9999-12-31", "99999-01-01",
    "31/12/2025", "12/31/2025", "1/1/1", "2025-1-1", "hoy", "2025-12-31T25:61:00", "13/13/13",
    "' OR '1'='1", "1; DROP TABLE users;--", "\" OR 1=1 --", "%", "_", "\\", "%%%", "1' --",
    "../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "file:///etc/passwd",
    "%2e%2e%2f", "a\x00b", "\x00", "\x00" * 20, "\r\n\r\nX-Injected: 1", "\u202e\u0000",
    "\ufeff", "😀" * 50, "Ñandú ñoño", "<script>alert(1)</script>", "{{7*7}}", "${7*7}",
    "x" * 10_000, "9" * 5_000, "ñ" * 3_000, "null", "None", "[]", "{}", "true", "on", "-",
]
NAMES = ["cv.pdf", "../../etc/passwd.pdf", "..\\..\\boot.ini", "C:\\Users\\x\\cv.pdf", "a\x00.pdf",
         "x" * 300 + ".pdf", "", ".pdf", "lista.xlsx", "lista.csv", "logo.png", "logo.svg",
         "ñandú.PDF", "cv.pdf.exe", "/etc/shadow"]
CONTENTS = [PDF, PNG, b"", b"\x00" * 64, b"<html><script>alert(1)</script></html>",
            b"PK\x03\x04" + b"\x00" * 60, b"MZ\x90\x00", b"%PDF-1.4 no end", b"DNI,nombres\n1,a\n",
            b"<svg onload=alert(1)>"]

_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
VALUES = st.one_of(
    st.sampled_from(FIXED),
    st.sampled_from(PLAUSIBLE),
    _text,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(str),
    st.dates(min_value=date(1, 1, 1)).flatmap(lambda d: st.sampled_from(
        [d.isoformat(), f"{d.day}/{d.month}/{d.year}", f"{d.month}/{d.day}/{d.year}", d.strftime("%d-%b-%Y")])),
    _text.filter(bool).map(lambda s: s * (4000 // len(s) + 1)),
)
# Swept through every field of every route on every run.
SWEEP = ["\x00", "x" * 10_000, "99999999999999999999999999999999", "-1", "2025-02-30",
         "' OR '1'='1", "../../etc/passwd"]
# What `Decimal()` reads but no one means (NaN broke every comparison: a 500), and the
# full-width digits of some phone keyboards, which are a number (read as ASCII digits).
SPECIAL_NUMBERS = ["NaN", "sNaN", "Infinity", "-Infinity", "1e999", "１２"]
FILES = st.tuples(st.one_of(st.sampled_from(CONTENTS), st.binary(max_size=600)), st.sampled_from(NAMES))


def _items(draw, keys: list[str], strategy) -> list:
    """Key-value pairs: each key left out, sent once, or repeated."""
    items = []
    for key in keys:
        how = draw(st.sampled_from(["omit", "one", "one", "one", "many"]))
        if how == "one":
            items.append((key, draw(strategy)))
        elif how == "many":
            items += [(key, v) for v in draw(st.lists(strategy, min_size=2, max_size=4))]
    return items


# --- Judging an answer ---------------------------------------------------------------------------

# --- The routes ---------------------------------------------------------------------------------


class Target:
    """One rule and method, the role that may use it and what it reads."""

    def __init__(self, rule, method: str, role: str, values: dict):
        self.rule, self.method, self.role, self.values = rule, method, role, values
        self.endpoint = rule.endpoint
        self.args: list[str] = []
        self.form: list[str] = []
        self.files: list[str] = []

    @property
    def label(self) -> str:
        return f"{self.method} {self.rule.rule} ({self.endpoint}) as {self.role}"


def _role(access) -> str:
    if "anonymous" in access.roles:
        return "anonymous"
    return next(r for r in ROLES if r in access.roles)


def _build(app, rule, method: str, values: dict) -> str:
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


class Fuzzer:
    def __init__(self, app, world):
        self.app, self.world = app, world
        self.clients: dict[str, object] = {}
        self.requests = 0
        self.state: dict | None = None  # the tables as they are now, when known
        self.accepted: dict[str, int] = {}
        self.file_fields = _file_fields()
        self.numeric_fields = _numeric_fields()
        self.numbers_sent = 0
        app.request_class = _RecordingRequest

    def client(self, role: str, fresh: bool = False):
        """A signed-in client of `role`, signed in again if a request ended its session."""
        client = self.clients.get(role)
        if client is not None and role != "anonymous" and not fresh:
            with client.session_transaction() as session:
                fresh = "_user_id" not in session
        if client is None or fresh:
            client = self.clients[role] = signed_in(self.app, _user_of(self.world, role))
        return client

    def targets(self, method: str) -> list[Target]:
        found = []
        for rule in _rules(self.app):
            if method not in _methods(rule):
                continue
            role = _role(ACCESS[rule.endpoint])
            values = _values(rule, self.world, "a", _user_of(self.world, role))
            found.append(self.discover(Target(rule, method, role, values)))
        return found

    def send(self, target: Target, url: str, items: list, files: list, headers: dict, client=None):
        client = client or self.client(target.role)
        self.requests += 1
        if target.method == "GET":
            return client, client.get(url, query_string=MultiDict(items), headers=headers)
        data = MultiDict(items)
        data.add("csrf_token", client.csrf_token())
        for key, (content, name) in files:
            data.add(key, (io.BytesIO(content), name))
        return client, client.post(url, data=data, headers=headers, csrf=False,
                                   content_type="multipart/form-data" if files else None)

    def discover(self, target: Target) -> Target:
        global _SEEN
        url = _build(self.app, target.rule, target.method, target.values)
        seen: dict[str, set[str]] = {}
        sample: list = []
        try:
            for _ in range(3 if target.method == "GET" else 2):
                _SEEN = {}
                self.send(target, url, sample, [], {})
                for kind, keys in _SEEN.items():
                    seen.setdefault(kind, set()).update(keys)
                keys = sorted((seen.get("args", set()) if target.method == "GET" else seen.get("form", set()))
                              - {"csrf_token"} - self.file_fields)
                sample = [(key, PLAUSIBLE[i % 8]) for i, key in enumerate(keys)]
        except Exception:  # an exception here is found again, and reported, while fuzzing
            pass
        finally:
            _SEEN = None
        if target.method == "GET":
            target.args = sorted(seen.get("args", set()))
        else:
            form = seen.get("form", set()) - {"csrf_token"}
            target.files = sorted((form & self.file_fields) | seen.get("files", set()))
            target.form = sorted(form - self.file_fields)
        return target

    def path_values(self, draw, target: Target) -> dict:
        values = dict(target.values)
        for name, converter in target.rule._converters.items():
            if isinstance(converter, IntegerConverter):
                if draw(st.integers(0, 3)) == 0:
                    values[name] = draw(st.integers(min_value=0))
            elif isinstance(converter, (UnicodeConverter, PathConverter)):
                values[name] = draw(st.one_of(st.sampled_from(FIXED).filter(bool), _text.filter(bool)))
        return values

    def draw_request(self, target: Target, draw) -> tuple[str, list, list]:
        extra = sorted(set(UNREAD_KEYS) - set(target.args + target.form))
        keys = target.args if target.method == "GET" else target.form
        items = _items(draw, keys, VALUES)
        if draw(st.booleans()):
            items.append((draw(st.sampled_from(extra)), draw(VALUES)))
        files = _items(draw, target.files, FILES)
        return _build(self.app, target.rule, target.method, self.path_values(draw, target)), items, files

    def sweep(self, target: Target) -> None:
        """The same nasties every run, whatever Hypothesis draws: each in every field at
        once, and out-of-range ids in the path (as page and fragment in turn)."""
        url = _build(self.app, target.rule, target.method, target.values)
        keys = target.args if target.method == "GET" else target.form
        turn = 0
        if keys or target.files:
            for turn, value in enumerate(SWEEP):
                files = [(key, (value.encode(), value + ".pdf")) for key in target.files]
                self.exchange(target, url, [(key, value) for key in keys], files, KINDS[turn % 2:][:1])
        numeric = [key for key in keys if key in self.numeric_fields]
        for turn, value in enumerate(SPECIAL_NUMBERS, start=turn + 1):  # noqa: B020 (counts on)
            if not numeric:
                break
            items = [(key, value if key in numeric else _plausible(key)) for key in keys]
            self.numbers_sent += 1
            # Full-width digits are a number: a form may accept them, as it accepts "12".
            self.exchange(target, url, items, [], KINDS[turn % 2:][:1], may_accept=value == "１２")
        for name, converter in target.rule._converters.items():
            if isinstance(converter, IntegerConverter):
                for turn, number in enumerate((0, 2**31, 2**63, 10**30), start=turn + 1):  # noqa: B020 (counts on)
                    self.exchange(target, _build(self.app, target.rule, target.method, {**target.values, name: number}),
                                  [], [], KINDS[turn % 2:][:1])

    def exchange(self, target: Target, url: str, items: list, files: list, kinds=None, may_accept=False) -> None:
        """Send one request (as a page and as an htmx fragment) and judge the answers;
        `may_accept`: the input is valid, so a POST may be accepted whatever the route."""
        for kind, headers in kinds or KINDS:
            sent = repr(items)[:200] + "".join(f" {key}={name[:40]!r}:{content[:12]!r}" for key, (content, name) in files)
            label = f"{kind} {target.label} {url[:100]!r} {sent}"
            client = self.client(target.role)  # signing in again writes: do it before the snapshot
            if target.method == "POST" and self.state is None:
                self.state = snapshot()
            try:
                client, response = self.send(target, url, items, files, headers, client)
            except Exception as error:
                raise AssertionError(f"{label}: raised {error!r}") from error
            status = response.status_code
            assert status < 500, f"{label}: {status}"
            messages = error_messages(response, client)
            if response.status_code >= 400 or messages:  # refused
                problem = spanish_problem(messages)
                assert problem is None, f"{label}: refused with {status} but {problem}"
                if target.method == "POST":
                    changed = changed_tables(self.state, snapshot())
                    assert not changed, f"{label}: refused with {status} but changed {changed}"
            elif target.method == "POST":
                assert may_accept or target.endpoint in MAY_ACCEPT, f"{label}: accepted hostile input ({status})"
                self.accepted[target.endpoint] = self.accepted.get(target.endpoint, 0) + 1
                self.state = None  # changed, as it may: taken again before the next request

    def run(self, targets: list[Target], examples: int) -> list[str]:
        failures = []
        for target in targets:
            @settings(SETTINGS, max_examples=examples)
            @given(st.data())
            def fuzz(data):
                self.exchange(target, *self.draw_request(target, data.draw))  # noqa: B023 (run at once)

            self.state = None
            try:
                self.sweep(target)
                fuzz()
            except Exception as error:  # one line per failing route; every route still runs
                failures.append(f"{target.label}:\n    {str(error).splitlines()[0][:600]}")
        return failures


# Keys that no route may read but a hostile client may send anyway.
UNREAD_KEYS = ["q", "pagina", "next", "id", "user_id", "role", "cetpro_id", "company_id", "state",
                  "verification_state", "is_admin", "_method", "csrf_token2"]


def test_every_get_route_survives_hostile_query_strings(trust_app, world):
    fuzzer = Fuzzer(trust_app, world)
    targets = fuzzer.targets("GET")
    failures = fuzzer.run(targets, GET_EXAMPLES)
    reading = [t for t in targets if t.args]
    print(f"\nTRUST fuzz GET: {len(targets)} routes ({len(reading)} read "
          f"{len({a for t in reading for a in t.args})} distinct query parameters), {fuzzer.requests} requests, "
          f"{fuzzer.numbers_sent} of them with special numbers in numeric fields")
    assert len(targets) >= 60
    assert not failures, "\n".join(failures)


def test_every_form_survives_hostile_input(trust_app, world):
    fuzzer = Fuzzer(trust_app, world)
    targets = fuzzer.targets("POST")
    failures = fuzzer.run(targets, POST_EXAMPLES)
    fields = sum(len(t.form) + len(t.files) for t in targets)
    print(f"\nTRUST fuzz POST: {len(targets)} routes ({fields} fields, {sum(len(t.files) for t in targets)} of "
          f"them files), {fuzzer.requests} requests; {sum(fuzzer.accepted.values())} accepted on "
          f"{len(fuzzer.accepted)} routes: {dict(sorted(fuzzer.accepted.items()))}; "
          f"{fuzzer.numbers_sent} with special numbers in numeric fields")
    numeric = {key for t in targets for key in t.form if key in fuzzer.numeric_fields}
    # The decimal fields that raised InvalidOperation on NaN are among those reached.
    assert {"hours_per_day", "hours_per_week", "pay_monthly", "pay_min", "pay_max"} <= numeric
    assert len(targets) >= 40
    assert not failures, "\n".join(failures)


def test_nul_bytes_are_refused_before_any_view(trust_app, world):
    """PostgreSQL text cannot hold a NUL byte (psycopg raises: a 500 before this was refused
    up front); SQLite stores it. Either way the answer is a Spanish 400 and nothing changes."""
    cases = [
        (None, "GET", "/ofertas", {"q": "tornero\x00"}),
        (world.a.coordinator, "GET", "/coordinador/estudiantes", {"q": "\x00"}),
        (None, "POST", "/ingresar", {"email": "a\x00@example.pe", "password": "x"}),
        (world.a.employer, "POST", f"/empresa/postulaciones/{world.a.application.id}/notas", {"notes": "nota\x00"}),
        (world.a.students["A1"], "POST", "/estudiante/perfil", {"skills\x00": "soldadura"}),
    ]
    checked = 0
    for user, method, path, values in cases:
        client = signed_in(trust_app, user)
        for headers in ({}, HTMX):
            before = snapshot()
            if method == "GET":
                response = client.get(path, query_string=values, headers=headers)
            else:
                response = client.post(path, data=dict(values), headers=headers)
            checked += 1
            assert response.status_code == 400, (path, response.status_code)
            assert "carácter no válido" in " ".join(error_messages(response, client)), path
            assert not changed_tables(before, snapshot()), path
    print(f"\nTRUST fuzz NUL: {checked} requests refused")

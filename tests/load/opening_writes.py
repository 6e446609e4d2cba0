"""Employers who write openings under load, and the search that must show those writes.

An `OpeningEmployer` does what the harness's employers do (pipelines, moves, browsing)
and also, through the real forms with their CSRF token: creates an opening (a draft),
publishes it, and edits the title of a published opening (one of the seeded ones or one
it published). Every title carries a word no other opening has. Right after a write is
acknowledged, the same person asks the public search for that word, once as an htmx
fragment with its own session and once as a full page without cookies (any gunicorn
worker may answer either): a published or renamed opening must be found by its new
word, a draft must not be, and a renamed opening must no longer be found by the word
its title lost. The public listing is served from a per-process index invalidated by a
data version (portal/openings/index.py, portal/versions.py): a stale answer after an
acknowledged write is what these checks would catch.
"""
from __future__ import annotations

import re
import string
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from bench.run import form_values as form_fields
from portal import clock
from tests.load.harness import Employer, Ledger, Session, Write, app_on

EDIT_ACTION = re.compile(r'action="/empresa/ofertas/(\d+)/editar"')
NEW_PER_EMPLOYER = 6  # openings each employer creates at most (keeps the run bounded)


@dataclass
class Check:
    """One search right after an acknowledged write: was the opening shown as it must be?"""
    write: str        # publish | edit | draft | edit (old word)
    opening_id: int
    word: str
    must_show: bool
    shown: bool
    status: int
    how: str          # fragment (own session) | page (no cookies)
    after: float      # seconds between the write's acknowledgement and this answer

    @property
    def stale(self) -> bool:
        return self.status != 200 or self.shown != self.must_show


class OpeningLedger(Ledger):
    """The harness's ledger plus the searches made after opening writes, and the words used."""

    def __init__(self):
        super().__init__()
        self.checks: list[Check] = []
        self._words: set[str] = set()

    def word(self, rng) -> str:
        """A word no title holds: lowercase ASCII letters, never handed out twice."""
        with self.lock:
            while True:
                word = "".join(rng.choice(string.ascii_lowercase) for _ in range(9))
                if word not in self._words:
                    self._words.add(word)
                    return word

    def check(self, found: Check) -> None:
        with self.lock:
            self.checks.append(found)


class OpeningEmployer(Employer):
    """An employer who also creates, publishes and renames openings."""

    def __init__(self, *args):
        super().__init__(*args)
        self.visitor = Session(self.session.ports, self.session.stats, "visitor")
        self.created = 0
        self.published: list[int] = []
        self.titles: dict[int, tuple[str, str | None]] = {}  # id -> (base title, word of the last edit)

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.07 and self.created < NEW_PER_EMPLOYER:
            self.create_and_publish()
        elif roll < 0.17:
            self.edit_title(self.rng.choice(self.me["openings"] + self.published))
        else:
            super().step()

    def _search(self, write: str, opening_id: int, word: str, must_show: bool, acked_at: float,
                title: str | None = None) -> None:
        """Shown: the opening's card is there (and, when given, with this exact title)."""
        path = "/ofertas?" + urlencode({"q": word})
        for how in ("fragment", "page"):
            if how == "fragment":
                answer = self.session.get(path, "search after write", htmx=True)
            else:
                answer = self.visitor.send("GET", path, "search after write", keep_cookies=False)
            shown = f'href="/ofertas/{opening_id}"' in answer.text and (not must_show or title is None
                                                                         or f">{title}</a>" in answer.text)
            self.ledger.check(Check(write, opening_id, word, must_show, shown, answer.status, how,
                                    time.monotonic() - acked_at))

    def create_and_publish(self) -> None:
        s, rng = self.session, self.rng
        self.created += 1
        word = self.ledger.word(rng)
        title = f"Técnico electricista {word}"
        s.get("/empresa/ofertas/nueva", "opening form")
        today = clock.today()
        data = {
            "title": title,
            "description": "Mantenimiento de tableros e instalaciones eléctricas en planta. Turno diurno.",
            "kind": "empleo", "family_id": str(self.world.family_id), "work_mode": "presencial",
            "vacancies": "1", "department_code": "04", "province_code": "0401",
            "hours_per_day": "8", "hours_per_week": "48", "pay_monthly": "1600",
            "start_date": (today + timedelta(days=30)).isoformat(),
            "deadline": (today + timedelta(days=20)).isoformat(),
            "required_module_ids": [str(m) for m in self.world.module_ids[:1]],
            "targets_all_cetpros": "1",
        }
        write = Write("open", ("opening", word), title, time.monotonic(), 0)
        answer = self._write(write, lambda: s.post("/empresa/ofertas/nueva", "create opening", data, follow=True))
        if answer is None:
            return
        found = EDIT_ACTION.search(answer.text)
        if not (answer.first_status == 303 and answer.said("Guardamos la oferta como borrador") and found):
            raise AssertionError(f"creating an opening answered {answer.first_status}: {answer.notices()}")
        opening_id = int(found.group(1))
        write.key = ("opening", word, opening_id)
        write.created = True
        self.ledger.ack(write)
        self._search("draft", opening_id, word, False, write.t1)  # a draft is never listed

        htmx = rng.random() < 0.6
        publish = Write("publish", ("opening_id", opening_id), "published", time.monotonic(), 0)
        answer = self._write(publish, lambda: s.post(f"/empresa/ofertas/{opening_id}/publicar", "publish opening",
                                                     htmx=htmx, follow=not htmx))
        if answer is None:
            return
        if not answer.said("Publicaste la oferta"):
            raise AssertionError(f"publishing {opening_id} answered {answer.first_status}: {answer.notices()}")
        self.ledger.ack(publish)
        self.published.append(opening_id)
        self._search("publish", opening_id, word, True, publish.t1, title)

    def edit_title(self, opening_id: int) -> None:
        s = self.session
        page = s.get(f"/empresa/ofertas/{opening_id}/editar", "edit form")
        if page.status != 200:
            raise AssertionError(f"edit form of {opening_id} answered {page.status}")
        fields = form_fields(page.text, "opening-form")
        base, old = self.titles.get(opening_id, ((fields.get("title") or [""])[0], None))
        word = self.ledger.word(self.rng)
        title = f"{base} {word}"
        fields["title"] = [title]
        write = Write("edit", ("opening_id", opening_id), title, time.monotonic(), 0)
        answer = self._write(write, lambda: s.post(f"/empresa/ofertas/{opening_id}/editar", "edit opening", fields,
                                                   follow=True))
        if answer is None:
            return
        if answer.first_status == 409:
            return  # the opening changed since the form was read: nothing saved, a clean refusal
        if not (answer.first_status == 303 and answer.said("Guardamos los cambios")):
            raise AssertionError(f"editing {opening_id} answered {answer.first_status}: {answer.notices()}")
        self.ledger.ack(write)
        self.titles[opening_id] = (base, word)
        self._search("edit", opening_id, word, True, write.t1, title)
        if old:
            self._search("edit (old word)", opening_id, old, False, write.t1)


def verify_openings(url: str, ledger: OpeningLedger, seeded: list[int]) -> dict:
    """Every acknowledged new opening is there once (and published when acknowledged so),
    nothing else was created, every opening's title is its last acknowledged edit, each
    publish left one event; returns figures, raises AssertionError on any hole."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import AuditEvent, Opening

    with app_on(url):
        rows = {o.id: (o.title, o.state) for o in db.session.scalars(select(Opening))}
        published_events = Counter(dict(db.session.execute(
            select(AuditEvent.object_id, func.count()).where(AuditEvent.action == "opening.published",
                                                             AuditEvent.object_type == "Opening")
            .group_by(AuditEvent.object_id)).all()))
    problems: list[str] = []
    created = [w for w in ledger.acked if w.kind == "open"]
    published = {w.key[1] for w in ledger.acked if w.kind == "publish"}
    for write in created:
        word, opening_id = write.key[1], write.key[2]
        holders = [i for i, (title, _) in rows.items() if word in title.split()]
        if holders != [opening_id]:
            problems.append(f"new opening '{word}' (id {opening_id}) is held by {holders}")
            continue
        state = rows[opening_id][1]
        if state != ("published" if opening_id in published else "draft"):
            problems.append(f"opening {opening_id}: state {state}, publish acknowledged: {opening_id in published}")
        if published_events[opening_id] != (1 if opening_id in published else 0):
            problems.append(f"opening {opening_id} has {published_events[opening_id]} 'opening.published' events")
    unknown = {w.key[1] for w in ledger.unknown if w.kind == "open"}
    extra = set(rows) - set(seeded) - {w.key[2] for w in created}
    if extra and not unknown:
        problems.append(f"openings nobody was told were created: {sorted(extra)}")
    last_edit: dict[int, Write] = {}
    for write in sorted((w for w in ledger.acked if w.kind == "edit"), key=lambda w: w.t1):
        last_edit[write.key[1]] = write
    unknown_edits = {w.key[1] for w in ledger.unknown if w.kind == "edit"}
    for opening_id, write in last_edit.items():
        if rows.get(opening_id, ("",))[0] != write.to_state and opening_id not in unknown_edits:
            problems.append(f"opening {opening_id}: title {rows.get(opening_id, ('(gone)',))[0]!r}, "
                            f"last acknowledged {write.to_state!r}")
    if problems:
        raise AssertionError(f"{len(problems)} opening problems:\n" + "\n".join(problems[:40]))
    return {"openings": len(rows), "new": len(created), "published": len(published),
            "renamed": len(last_edit), "edits": sum(1 for w in ledger.acked if w.kind == "edit")}


def check_figures(ledger: OpeningLedger) -> tuple[Counter, list[Check], float]:
    """Searches by kind of write, the stale ones, and the slowest acknowledgement-to-answer."""
    by_kind = Counter(f"{c.write} ({c.how})" for c in ledger.checks)
    stale = [c for c in ledger.checks if c.stale]
    slowest = max((c.after for c in ledger.checks), default=0.0)
    return by_kind, stale, slowest


"""The running job alerts in the worker's memory: which of them a just-published opening
meets, as an intersection of bitmasks instead of candidates read and checked one by one.

Every running (not paused) alert has a position, a bit. For each filter of a saved search
that an opening's own columns answer (frequency, family, programme, department, province,
kind, modality) the index holds a mask of the alerts asking each value, and one of the
alerts not filtering on it (the value None); per distinct search words, a mask of the
alerts searching for them. An opening's alerts are then a few ANDs and ORs of masks, the
listing's own rules (`index.filter_mask`) read the other way round; each distinct search
words are checked once against the opening, and only when some remaining alert searches
for them. The searches are read from each alert's saved query by the listing's own parser
(`services.search_filters`), not from the columns saved beside it: what the index finds is
what the alert's whole search finds.

Exact, as the listing's index is: the `alerts` data version (portal/versions.py) moves in
the same transaction as any write to an alert or to what the index holds of a student (her
CETPRO, status and graduation date, what deciding whether she may apply reads), and the
index is rebuilt when it moved, or when the catalogue the parser reads (families and
programmes, watched by the `openings` version) changed. Parsing a search is the costly
part of a build and each distinct query is parsed once for as long as the catalogue stays.

Whether she applied, whether the alert sent the opening already, and whether her account
can receive email are read per opening by the caller (portal/alerts/sending.py): they
change with every application and every email, far more often than alerts do.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select

from portal import metrics, versions
from portal.alerts.services import search_filters
from portal.bitsets import mask_of, members
from portal.extensions import db
from portal.matching.recommendations import StudentTerms
from portal.models import Alert, StudentProfile
from portal.openings import search
from portal.openings.listing import OpenOpening, OpenOpenings

NAME = "alerts"  # the data version, and the key of the index in the app's extensions
# The filters an opening's own columns answer, as the index names their masks.
COLUMNS = ("familia", "programa", "departamento", "provincia", "tipo", "modalidad")


class Search(NamedTuple):
    """What a saved search asks of an opening: its words (as the text index reads them,
    None for none) and, per filter of COLUMNS, the value asked (None: any)."""

    words: str | None
    familia: int | None
    programa: int | None
    departamento: str | None
    provincia: str | None
    tipo: str | None
    modalidad: str | None


class Held(NamedTuple):
    """One running alert as the index holds it."""

    id: int
    created_at: datetime
    student: StudentTerms  # shared by her alerts


@dataclass(frozen=True)
class AlertIndex:
    version: int
    alerts: list[Held]  # by position, in the order of their ids
    by: dict[tuple, int]  # ("familia", 3) → mask; ("familia", None) → the alerts naming no family
    words: dict[str, int]  # search words → mask of the alerts searching for them

    def meeting(self, opening: OpenOpening, open_now: OpenOpenings, frequency: str) -> list[Held]:
        """The running alerts of this frequency whose whole search finds this open opening
        (whoever saved them, whenever)."""
        by = self.by.get
        found = by(("frecuencia", frequency), 0) & self._columns(opening)
        if found:
            found &= self._words(found, opening, open_now)
        return [self.alerts[at] for at in members(found)]

    def _columns(self, opening: OpenOpening) -> int:
        """The alerts whose filters other than words this opening meets: `filter_mask`'s
        rules, with the opening fixed and the searches varying."""
        by = self.by.get
        card, named = opening.card, opening.programme_ids
        # A programme is met by an opening naming it, or naming none and of its family.
        family = by(("familia", opening.family_id), 0)
        found = (by(("familia", None), 0) | (family & by(("programa", None), 0) if named else family))
        for programme_id in named:
            found |= by(("programa", programme_id), 0)
        # A province is met by an opening in it; a department alone by one in the department.
        place = by(("departamento", None), 0)
        if card.department_code is not None:
            place |= by(("departamento", card.department_code), 0) & by(("provincia", None), 0)
        if card.province_code is not None:
            place |= by(("provincia", card.province_code), 0)
        found &= place
        found &= by(("tipo", None), 0) | by(("tipo", card.kind), 0)
        found &= by(("modalidad", None), 0) | by(("modalidad", card.work_mode), 0)
        return found

    def _words(self, among: int, opening: OpenOpening, open_now: OpenOpenings) -> int:
        """The alerts searching for no words or for words this opening has: each distinct
        words checked once (the listing's remembered text search), only if one of `among`
        searches for them."""
        only = open_now.of_ids([opening.id])
        found = self.by.get(("palabras", None), 0)
        for words, mask in self.words.items():
            if mask & among and open_now.matching(search_filters(urlencode({"q": words}))) & only:
                found |= mask
        return found


def current(open_now: OpenOpenings) -> AlertIndex:
    """The index as of the current `alerts` data version and this catalogue (rebuilt when
    either changed)."""
    state = current_app.extensions.setdefault("alert_index", {})
    version = versions.current(db.session, NAME)
    with _lock:
        held = state.get("index")
        if _new_catalogue(state, open_now) or held is None or held.version != version:
            held = state["index"] = _build(version, state["searches"])
    return held


_lock = threading.Lock()


def _new_catalogue(state: dict, open_now: OpenOpenings) -> bool:
    """Whether the catalogue the parser reads (families and programmes) changed since the
    searches in `state` were parsed; if so they are forgotten."""
    catalogue = (open_now.families, open_now.programmes)
    held = state.get("catalogue")
    if held is not None and held[0] is catalogue[0] and held[1] is catalogue[1]:
        return False
    changed = held != catalogue  # another snapshot of the listing, often the same catalogue
    if changed:
        state["searches"] = {}
    state["catalogue"] = catalogue
    return changed


def search_of(query: str) -> Search:
    """What a saved query asks, as the listing parses it."""
    filters = search_filters(query)
    words = " ".join(search.words(filters.q)) if filters.q else ""
    return Search(words or None, *(getattr(filters, column) or None for column in COLUMNS))


_ROWS = (select(Alert.id, Alert.query, Alert.frequency, Alert.created_at, StudentProfile.id,
                StudentProfile.cetpro_id, StudentProfile.status, StudentProfile.graduation_date)
         .join(StudentProfile, StudentProfile.id == Alert.student_id)
         .where(Alert.paused.is_(False)).order_by(Alert.id))


@metrics.rebuild("alerts")
def _build(version: int, searches: dict[str, Search]) -> AlertIndex:
    """Every running alert, its search parsed (once per distinct query, remembered in
    `searches`) and its student's terms (one tuple per student). The alerts are grouped by
    frequency and query first: the masks are made from a few thousand groups, not from
    every alert."""
    alerts: list[Held] = []
    students: dict[int, StudentTerms] = {}
    alike: dict[tuple[str, str], list[int]] = {}  # (frequency, query) → positions
    for at, (alert_id, query, frequency, created_at, *terms) in enumerate(
            db.session.connection().execute(_ROWS).tuples().all()):
        student = students.get(terms[0]) or students.setdefault(terms[0], StudentTerms(*terms))
        alerts.append(Held(alert_id, created_at, student))
        positions = alike.get((frequency, query))
        if positions is None:
            alike[frequency, query] = [at]
        else:
            positions.append(at)
    groups: dict[tuple, list[int]] = {}
    for (frequency, query), positions in alike.items():
        asked = searches.get(query) or searches.setdefault(query, search_of(query))
        for group in (("frecuencia", frequency), ("palabras", asked.words), *zip(COLUMNS, asked[1:], strict=True)):
            groups.setdefault(group, []).extend(positions)
    by = {group: mask_of(positions) for group, positions in groups.items()
          if group[0] != "palabras" or group[1] is None}
    words = {group[1]: mask_of(positions) for group, positions in groups.items()
             if group[0] == "palabras" and group[1] is not None}
    return AlertIndex(version=version, alerts=alerts, by=by, words=words)

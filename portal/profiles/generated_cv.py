"""The CV the portal generates from the trade profile: one page, for a student on a phone
who has no PDF of her own (issue 19), and what employers see when she has none uploaded
or prefers it.

`build(profile)` reads everything the CV shows into a `CvView` (a plain value: the page,
the PDF and the bench all draw from it); `html(view)` is the printable document;
`pdf(view)` turns it into a PDF with WeasyPrint (HTML + static/cv.css, laid out by
Debian's Pango), cached in the process by the SHA-256 of what it draws: the same profile
gives the same digest (the ETag) and no second rendering, an edit gives a new one.
Nothing about a student is ever written to disk; a cache entry is only reachable by
someone who can render the same document again, which an erased profile no longer allows.

What a CV never shows (anti-discrimination practice): a photo, the age or birth date,
marital status, sex, the identity document.
"""
from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import select

from portal import places, vocab
from portal.certificates import qr
from portal.certificates import queries as certificates
from portal.extensions import db
from portal.models import CvExperience, CvPreferences, Placement, StudentProfile

CSS_NAME = "cv.css"
CACHE_BYTES = 32 * 1024 * 1024  # PDFs kept per process (a one-page CV weighs 20–60 kB)
# The most recent experiences the one page shows (placements and hers together); the CV says
# how many earlier ones it leaves out.
SHOWN_EXPERIENCES = 8


@dataclass(frozen=True)
class ModuleLine:
    name: str
    certified: bool
    cetpro: str = ""
    number: str = ""
    issued_on: date | None = None
    verify_url: str = ""
    qr_data_uri: str = ""  # the verification link's QR code, as a PNG data: URI


@dataclass(frozen=True)
class ExperienceLine:
    kind: str  # in Spanish: «Empleo», «Práctica preprofesional», …
    role: str
    employer: str
    start_date: date
    end_date: date | None
    description: str = ""
    recorded: bool = False  # from the portal's placements (recorded by the CETPRO or a hire)


@dataclass(frozen=True)
class CvView:
    student_id: int
    name: str
    programme: str
    family: str
    level: str
    status: str
    graduation_date: date | None
    cetpro: str
    verified: bool
    modules: tuple[ModuleLine, ...]
    skills: tuple[str, ...]
    experiences: tuple[ExperienceLine, ...]  # the SHOWN_EXPERIENCES most recent
    earlier_experiences: int  # how many older ones the page leaves out
    place: str
    availability: str
    open_to_offers: bool
    email: str  # "" when she chose not to show it
    phone: str


def preferences_of(profile: StudentProfile) -> CvPreferences:
    """Her choices, or the defaults (email and phone shown, her upload preferred) unsaved."""
    return db.session.get(CvPreferences, profile.id) or CvPreferences(
        student_id=profile.id, show_email=True, show_phone=True, shown="subido")


def experiences_of(profile: StudentProfile) -> list[CvExperience]:
    """What she added herself, the latest first."""
    return list(db.session.scalars(select(CvExperience).where(CvExperience.student_id == profile.id)
                                   .order_by(CvExperience.start_date.desc(), CvExperience.id.desc())))


def shows_generated(profile: StudentProfile) -> bool:
    """Whether employers get the generated CV: she uploaded none, or chose the generated one."""
    return not profile.cv_path or preferences_of(profile).shown == "generado"


def _qr_data_uri(code: str) -> str:
    return _qr_of(code, qr.verification_url(code))


@lru_cache(maxsize=4096)
def _qr_of(code: str, url: str) -> str:
    """A certificate's QR code as a data: URI, made once per process (segno takes ~10 ms a
    code; the link, hence the picture, never changes for a code and a BASE_URL). A PNG of one
    pixel a module, drawn without smoothing (cv.css): as sharp as the SVG at any size, and
    WeasyPrint places it in a fraction of the time it takes to draw the SVG's path."""
    return "data:image/png;base64," + base64.b64encode(qr.png(code, scale=1)).decode("ascii")


def _modules(profile: StudentProfile) -> list[ModuleLine]:
    """Certified modules first (in force only: a revoked certificate certifies nothing), then
    those she only declared; each once, in the programme's order within each group."""
    held = certificates.by_student([profile.id]).get(profile.id, {})
    in_force = sorted((c for c in held.values() if c.in_force), key=lambda c: (c.module_position, c.module_id))
    lines = [ModuleLine(c.module_name, True, c.cetpro_name, c.number, c.issued_on, qr.verification_url(c.code),
                        _qr_data_uri(c.code)) for c in in_force]
    certified = {c.module_id for c in in_force}
    lines += [ModuleLine(m.name, False) for m in profile.modules if m.id not in certified]
    return lines


def _experiences(profile: StudentProfile) -> list[ExperienceLine]:
    placements = db.session.scalars(select(Placement).where(
        Placement.student_id == profile.id, Placement.outcome.in_(vocab.WORKING_OUTCOMES)))
    lines = [ExperienceLine(vocab.OPENING_KINDS.get(p.kind, p.kind), p.job_title, p.employer_display_name,
                            p.start_date, p.end_date, recorded=True) for p in placements]
    lines += [ExperienceLine(vocab.CV_EXPERIENCE_KINDS.get(e.kind, e.kind), e.role, e.employer, e.start_date,
                             e.end_date, e.description) for e in experiences_of(profile)]
    return sorted(lines, key=lambda line: (line.end_date is None, line.end_date or line.start_date,
                                           line.start_date), reverse=True)


def _place(profile: StudentProfile) -> str:
    """"Distrito, Provincia, Departamento" at the most precise level she gave."""
    code = profile.district_code or profile.province_code or profile.department_code
    return places.label(code) if code else ""


def build(profile: StudentProfile) -> CvView:
    """Everything the CV shows, read once."""
    user, programme = profile.user, profile.programme
    chosen = preferences_of(profile)
    experiences = _experiences(profile)
    return CvView(
        student_id=profile.id,
        name=user.full_name,
        programme=programme.name,
        family=programme.family.name if programme.family else "",
        level=vocab.LEVELS.get(profile.level, profile.level),
        status=vocab.STUDENT_STATUSES.get(profile.status, profile.status),
        graduation_date=profile.graduation_date,
        cetpro=profile.cetpro.name,
        verified=profile.verification_state == "verified",
        modules=tuple(_modules(profile)),
        skills=tuple(s.name for s in sorted(profile.skills, key=lambda s: s.normalized)),
        experiences=tuple(experiences[:SHOWN_EXPERIENCES]),
        earlier_experiences=max(0, len(experiences) - SHOWN_EXPERIENCES),
        place=_place(profile),
        availability=profile.availability or "",
        open_to_offers=profile.open_to_offers,
        email=user.email if chosen.show_email else "",
        phone=(user.phone or "") if chosen.show_phone else "",
    )


# --- The printable document and its PDF ------------------------------------------------


def _css_path() -> Path:
    return Path(current_app.static_folder) / CSS_NAME


def _weasyprint():
    """WeasyPrint, imported on first use (~0.3 s that the other requests do not pay). Importing
    it turns on Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES, which would let
    portal/uploads.py accept a logo cut in half: the flag is put back as it was."""
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint

    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return weasyprint


_css_lock = threading.Lock()
_css: dict[Path, tuple[float, bytes, object]] = {}


def _stylesheet():
    """static/cv.css, its bytes (part of the digest: a new stylesheet draws a new PDF) and
    WeasyPrint's parse of it, read again only when the file changes."""
    weasyprint = _weasyprint()
    path = _css_path()
    mtime = path.stat().st_mtime
    with _css_lock:
        held = _css.get(path)
        if held is None or held[0] != mtime:
            content = path.read_bytes()
            held = (mtime, content, weasyprint.CSS(string=content.decode("utf-8")))
            _css[path] = held
    return held[1], held[2]


def html(view: CvView) -> str:
    """The CV as a standalone HTML document (what the PDF draws)."""
    return render_template("profiles/cv_print.html", cv=view)


def digest(document: str) -> str:
    css, _ = _stylesheet()
    return hashlib.sha256(css + b"\0" + document.encode("utf-8")).hexdigest()


class _Cache:
    """The PDFs drawn recently, least recently used out first, bounded in bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            content = self.items.get(key)
            if content is not None:
                self.items.move_to_end(key)
            return content

    def put(self, key: str, content: bytes) -> None:
        with self.lock:
            if key in self.items:
                return
            self.items[key] = content
            self.size += len(content)
            while self.size > self.limit and self.items:
                _, dropped = self.items.popitem(last=False)
                self.size -= len(dropped)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


cache = _Cache(CACHE_BYTES)


def render_pdf(document: str) -> bytes:
    """Draw the PDF. The document carries everything it draws (the QR codes as data: URIs,
    the stylesheet passed in): WeasyPrint may fetch data: URLs only, nothing on the network
    or the disk, and a failed fetch fails the drawing instead of leaving a hole."""
    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcher

    _, stylesheet = _stylesheet()
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return weasyprint.HTML(string=document, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


def drawn(view: CvView) -> tuple[str, str]:
    """(digest, document): the digest is the PDF's ETag, known before any PDF is drawn."""
    document = html(view)
    return digest(document), document


def pdf_of(key: str, document: str) -> bytes:
    """The PDF of `document` (whose digest is `key`): drawn once per content in this process."""
    content = cache.get(key)
    if content is None:
        content = render_pdf(document)
        cache.put(key, content)
    return content


def pdf(view: CvView) -> tuple[str, bytes]:
    """(digest, PDF bytes) of the CV."""
    key, document = drawn(view)
    return key, pdf_of(key, document)

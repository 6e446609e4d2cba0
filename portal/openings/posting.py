"""An opening as schema.org `JobPosting` JSON-LD, for Google's job search.

Built from the opening itself, as Google documents the type
(https://developers.google.com/search/docs/appearance/structured-data/job-posting):
required `title`, `description` (HTML), `datePosted`, `hiringOrganization` and
`jobLocation` (or `jobLocationType: TELECOMMUTE` with `applicantLocationRequirements` for
a remote job); recommended `validThrough`, `employmentType`, `baseSalary`, `directApply`
and `identifier`. Only an opening anyone may apply to carries it (`is_postable`): Google
asks to remove the markup when a posting closes, expires or is taken down.

`script_json` writes it for a `<script type="application/ld+json">`: `<`, `>`, `&` and `'`
are written as JSON escapes, so no text an employer typed ("</script><script>…") can end the
element; the JSON means the same.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from decimal import Decimal

from markupsafe import Markup, escape

from portal import clock, links, places, vocab
from portal.companies import profile
from portal.models import Opening

# Ley 28518's modalidades formativas are training, not employment: Google's INTERN.
# A job is part time when its day is under four hours on average (D.S. 001-96-TR art. 11,
# the "contrato a tiempo parcial"), full time otherwise; a week is read as six days.
PART_TIME_HOURS_A_DAY = Decimal(4)
DAYS_A_WEEK = Decimal(6)
COUNTRY = "PE"
WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def is_postable(opening: Opening, day=None) -> bool:
    """Whether the opening takes applications today: published and its deadline not passed."""
    day = day or clock.today()
    return opening.state == "published" and (opening.deadline is None or opening.deadline >= day)


def employment_type(opening: Opening) -> str | None:
    """INTERN for a formative modality; FULL_TIME or PART_TIME for a job, from its hours
    (None when the opening gives no hours: the data does not say)."""
    if opening.kind in vocab.FORMATIVE_KINDS:
        return "INTERN"
    daily = opening.hours_per_day
    if daily is None and opening.hours_per_week is not None:
        daily = Decimal(opening.hours_per_week) / DAYS_A_WEEK
    if daily is None:
        return None
    return "PART_TIME" if Decimal(daily) < PART_TIME_HOURS_A_DAY else "FULL_TIME"


def _instant(value: datetime) -> str:
    """A stored instant (naive UTC) in ISO 8601 with its offset, in Lima time."""
    return value.replace(tzinfo=UTC).astimezone(clock.LIMA).isoformat(timespec="seconds")


def _description(opening: Opening) -> str:
    """The opening's text as HTML (Google asks for HTML): the description's paragraphs, then
    the required modules and skills."""
    paragraphs = [p for p in re.split(r"\n\s*\n", (opening.description or "").strip()) if p.strip()]
    html = "".join(f"<p>{Markup('<br>').join(escape(line) for line in p.splitlines())}</p>" for p in paragraphs)
    required = [r.label for r in opening.requirements if r.required]
    if required:
        html += "<p>Módulos y habilidades requeridas:</p><ul>"
        html += "".join(f"<li>{escape(label)}</li>" for label in required) + "</ul>"
    return html or f"<p>{escape(opening.title)}</p>"


def _organization(opening: Opening) -> dict:
    company = opening.company
    organization = {"@type": "Organization", "name": company.display_name}
    if company.website and WEBSITE.match(company.website.strip()):
        organization["sameAs"] = company.website.strip()
    if profile.logo_key(company):
        organization["logo"] = links.external("companies.logo", company_id=company.id, v=company.logo_path[6:14])
    return organization


def _address(opening: Opening) -> dict:
    address = {"@type": "PostalAddress", "addressCountry": COUNTRY}
    if opening.department_code:
        address["addressRegion"] = places.department_name(opening.department_code)
    locality = opening.district_code or opening.province_code
    if locality:
        address["addressLocality"] = places.name(locality)
    return address


def job_posting(opening: Opening) -> dict:
    """The JobPosting of a postable opening (Google's required and recommended properties)."""
    posting = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": opening.title,
        "description": _description(opening),
        "identifier": {"@type": "PropertyValue", "name": "Enlace CETPRO", "value": str(opening.id)},
        "datePosted": _instant(opening.published_at or opening.created_at),
        "hiringOrganization": _organization(opening),
        "directApply": True,  # applying is done on the opening's own page
        "url": links.external("openings.show", opening_id=opening.id),
    }
    if opening.deadline:
        # Open through the whole of its deadline day, in Lima (portal/clock.py).
        end = datetime.combine(opening.deadline, time(23, 59, 59), tzinfo=clock.LIMA)
        posting["validThrough"] = end.isoformat(timespec="seconds")
    if kind := employment_type(opening):
        posting["employmentType"] = kind
    if opening.work_mode == "remoto":
        posting["jobLocationType"] = "TELECOMMUTE"
        posting["applicantLocationRequirements"] = {"@type": "Country", "name": COUNTRY}
    else:
        posting["jobLocation"] = {"@type": "Place", "address": _address(opening)}
    if opening.pay_monthly is not None:
        posting["baseSalary"] = {
            "@type": "MonetaryAmount",
            "currency": "PEN",
            "value": {"@type": "QuantitativeValue", "value": float(opening.pay_monthly), "unitText": "MONTH"},
        }
    if opening.vacancies:
        posting["totalJobOpenings"] = opening.vacancies
    return posting


# `'` too: nothing reads this block as script, but no quote then looks like a way out of one.
_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


def script_json(data: dict) -> Markup:
    """JSON safe to place inside `<script type="application/ld+json">` as it is."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(re.sub(r"[<>&']", lambda m: _UNSAFE[m.group()], text))

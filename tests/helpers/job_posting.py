"""A checker for schema.org JobPosting as Google's job search documents it
(developers.google.com/search/docs/appearance/structured-data/job-posting): the required
properties, the recommended ones, and the types each must have. `problems(data)` lists what
is wrong, empty when the posting qualifies; written from Google's list, not from our builder."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from html.parser import HTMLParser

REQUIRED = ("title", "description", "datePosted", "hiringOrganization")  # + jobLocation or TELECOMMUTE
RECOMMENDED = ("validThrough", "employmentType", "baseSalary", "directApply", "identifier")
EMPLOYMENT_TYPES = {"FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "VOLUNTEER", "PER_DIEM", "OTHER"}
UNITS = {"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}
URL = re.compile(r"^https?://\S+$")


def _instant(value) -> datetime | date | None:
    """An ISO 8601 date or date-time, or None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def _typed(value, kind: str) -> bool:
    return isinstance(value, dict) and value.get("@type") == kind


def problems(data) -> list[str]:
    found = []
    if not isinstance(data, dict) or data.get("@type") != "JobPosting":
        return ["not a JobPosting"]
    if data.get("@context") not in ("https://schema.org/", "https://schema.org", "http://schema.org"):
        found.append("@context is not schema.org")
    for key in REQUIRED:
        if key not in data:
            found.append(f"missing required {key}")
    for key in RECOMMENDED:
        if key not in data:
            found.append(f"missing recommended {key}")
    if not (isinstance(data.get("title"), str) and data["title"].strip()):
        found.append("title is not text")
    if not (isinstance(data.get("description"), str) and data["description"].strip()):
        found.append("description is not text")
    posted = _instant(data.get("datePosted"))
    if "datePosted" in data and posted is None:
        found.append("datePosted is not ISO 8601")
    if "validThrough" in data:
        through = _instant(data["validThrough"])
        if not isinstance(through, datetime):
            found.append("validThrough is not an ISO 8601 date-time")
        elif isinstance(posted, datetime) and through <= posted:
            found.append("validThrough is not after datePosted")
    organization = data.get("hiringOrganization")
    if "hiringOrganization" in data:
        if not _typed(organization, "Organization") or not str(organization.get("name", "")).strip():
            found.append("hiringOrganization is not an Organization with a name")
        else:
            for key in ("sameAs", "logo"):
                if key in organization and not URL.match(str(organization[key])):
                    found.append(f"hiringOrganization.{key} is not a URL")
    remote = data.get("jobLocationType") == "TELECOMMUTE"
    if "jobLocationType" in data and not remote:
        found.append("jobLocationType is not TELECOMMUTE")
    if remote:
        requirement = data.get("applicantLocationRequirements")
        requirements = requirement if isinstance(requirement, list) else [requirement]
        if not requirement or not all(
                isinstance(r, dict) and r.get("@type") in ("Country", "State") and r.get("name") for r in requirements):
            found.append("a TELECOMMUTE job needs applicantLocationRequirements (Country or State with a name)")
    if "jobLocation" in data:
        places = data["jobLocation"] if isinstance(data["jobLocation"], list) else [data["jobLocation"]]
        for place in places:
            address = place.get("address") if _typed(place, "Place") else None
            if not _typed(address, "PostalAddress"):
                found.append("jobLocation is not a Place with a PostalAddress")
            elif not re.fullmatch(r"[A-Z]{2}", str(address.get("addressCountry", ""))):
                found.append("jobLocation.address.addressCountry is not an ISO 3166-1 alpha-2 code")
            else:
                for key in ("addressRegion", "addressLocality", "streetAddress", "postalCode"):
                    if key in address and not (isinstance(address[key], str) and address[key].strip()):
                        found.append(f"jobLocation.address.{key} is not text")
    elif not remote:
        found.append("missing required jobLocation (or jobLocationType TELECOMMUTE)")
    if "employmentType" in data:
        kinds = data["employmentType"] if isinstance(data["employmentType"], list) else [data["employmentType"]]
        if not kinds or not set(kinds) <= EMPLOYMENT_TYPES:
            found.append(f"employmentType {kinds!r} is not one of Google's values")
    if "baseSalary" in data:
        salary = data["baseSalary"]
        value = salary.get("value") if _typed(salary, "MonetaryAmount") else None
        if not _typed(salary, "MonetaryAmount"):
            found.append("baseSalary is not a MonetaryAmount")
        elif not re.fullmatch(r"[A-Z]{3}", str(salary.get("currency", ""))):
            found.append("baseSalary.currency is not an ISO 4217 code")
        elif not _typed(value, "QuantitativeValue"):
            found.append("baseSalary.value is not a QuantitativeValue")
        else:
            numbers = [value[k] for k in ("value", "minValue", "maxValue") if k in value]
            if not numbers or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
                found.append("baseSalary.value has no number")
            if value.get("unitText") not in UNITS:
                found.append("baseSalary.value.unitText is not HOUR, DAY, WEEK, MONTH or YEAR")
    if "directApply" in data and not isinstance(data["directApply"], bool):
        found.append("directApply is not a boolean")
    if "identifier" in data:
        identifier = data["identifier"]
        if not (_typed(identifier, "PropertyValue") and identifier.get("name") and identifier.get("value")):
            found.append("identifier is not a PropertyValue with a name and a value")
    return found


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inside = False
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("type") == "application/ld+json":
            self.inside = True
            self.found.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.found[-1] += data


def json_ld(html: str) -> list:
    """Every JSON-LD block of a page, parsed (as a browser's HTML parser splits the page)."""
    parser = _Scripts()
    parser.feed(html)
    return [json.loads(text) for text in parser.found]

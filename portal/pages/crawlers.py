"""What search engines read about the site: robots.txt's rules and the sitemap's entries.

Public: the home page, the listing (and its feeds), each open opening with its share card,
companies' logos and static files. Every other page is a person's account, a dashboard or a
helper: robots.txt asks crawlers to stay out of them (it hides nothing: those pages check
who asks), with rules made from the app's routes (`disallowed`).
"""
from __future__ import annotations

import re

from flask import current_app

from portal import links

# Endpoints anyone may read and a crawler may index.
PUBLIC = frozenset({
    "pages.home", "pages.robots", "pages.sitemap", "static",
    "openings.index", "openings.feed", "openings.show", "openings.card_image",
    # the listing's own selects without htmx redirect to the listing
    "openings.provinces", "openings.programmes",
    "companies.logo",
})

SITEMAP_LIMIT = 50_000  # URLs one sitemap file may list (sitemaps.org)


def sitemap_parts(entries: list) -> list[list]:
    """The openings split into sitemap files: the first also lists the two public pages, so
    each holds at most SITEMAP_LIMIT URLs (one part, maybe empty, when they all fit)."""
    size = SITEMAP_LIMIT - 2
    return [entries[at:at + size] for at in range(0, len(entries), size)] or [[]]


def disallowed() -> list[str]:
    """robots.txt's Disallow rules (RFC 9309: a rule matches the paths that start with it,
    "*" any characters, "$" the end), made from the app's own routes, so a moved or new page
    is covered without anyone typing its path: a first path segment no public page uses is
    closed whole ("/estudiante"; "/empresa/", "/empresa$" and "/empresa?" where a public
    segment starts the same, as /empresas/<id>/logo does); in a segment with public pages,
    each private route is closed alone, its variables as "*"."""
    rules = [r for r in current_app.url_map.iter_rules() if "GET" in (r.methods or ())]
    public = {_segment(r.rule) for r in rules if r.endpoint in PUBLIC}
    found: set[str] = set()
    for rule in rules:
        if rule.endpoint in PUBLIC:
            continue
        segment = _segment(rule.rule)
        if segment in public:
            found.add(re.sub(r"<[^>]+>", "*", rule.rule))
        elif any(other.startswith(segment) for other in public):
            found.update({f"/{segment}/", f"/{segment}$", f"/{segment}?"})
        else:
            found.add(f"/{segment}")
    return sorted(found)


def _segment(rule: str) -> str:
    return rule.split("/")[1]


def robots_txt() -> str:
    lines = ["# Enlace CETPRO: las ofertas son públicas; las cuentas y los paneles, no.", "User-agent: *", "Allow: /"]
    lines += [f"Disallow: {rule}" for rule in disallowed()]
    lines += ["", f"Sitemap: {links.external('pages.sitemap')}", ""]
    return "\n".join(lines)

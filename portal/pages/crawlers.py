"""What search engines read about the site: robots.txt's rules and the sitemap's entries.

Public: the home page, the listing (and its feeds), each open opening with its share card,
companies' logos and static files. Everything else is a person's account or a dashboard:
robots.txt asks crawlers to stay out (it hides nothing: those pages check who asks).
tests/pages/test_crawlers.py walks the app's URL map and fails when a new GET page is
neither public here nor disallowed.
"""
from __future__ import annotations

from portal import links

# Endpoints anyone may read and a crawler may index.
PUBLIC = frozenset({
    "pages.home", "pages.robots", "pages.sitemap", "static",
    "openings.index", "openings.feed", "openings.show", "openings.card_image",
    # the listing's own selects without htmx redirect to the listing
    "openings.provinces", "openings.programmes",
    "companies.logo",
})

# Path prefixes of the private areas (RFC 9309: a rule matches paths that start with it;
# "$" ends a path). "/empresa/" and "/empresa$", not "/empresa": /empresas/<id>/logo is public.
DISALLOW = (
    "/admin", "/estudiante", "/empresa/", "/empresa$", "/coordinador", "/coordinacion/",
    "/panel", "/notificaciones", "/cuenta", "/ingresar", "/salir", "/registro", "/recuperar",
    "/bienvenida/", "/seguimiento/", "/cv/", "/convenios/", "/lugares", "/dev/", "/metrics", "/salud",
)

SITEMAP_LIMIT = 50_000  # URLs one sitemap file may list (sitemaps.org)


def robots_txt() -> str:
    lines = ["# Enlace CETPRO: las ofertas son públicas; las cuentas y los paneles, no.", "User-agent: *", "Allow: /"]
    lines += [f"Disallow: {prefix}" for prefix in DISALLOW]
    lines += ["", f"Sitemap: {links.external('pages.sitemap')}", ""]
    return "\n".join(lines)

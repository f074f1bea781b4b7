"""The pages' HTML shell: one template, the headers every page and fragment is sent with (a
Content-Security-Policy that lets a page reach nothing but its own service), and the page
that names what was wrong (401, 404, 422)."""

from __future__ import annotations

from string import Template

from fastapi.responses import HTMLResponse

from ...report.page import csp_hash
from ...report.values import text
from .assets import SCRIPT, STYLE

PAGE = Template("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pytest-vpt">
<title>$title</title><style>$style</style></head>
<body><header>$header</header>
<main>$body</main>
<script>$script</script></body></html>
""")

#: the page's own script and style by their hashes; fetches and forms to this service only (the
#: referrer is kept within it: with none, a browser sends a form's Origin as "null")
CSP = (f"default-src 'none'; script-src {csp_hash(SCRIPT)}; style-src {csp_hash(STYLE)}; img-src data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
           "Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def page(title: str, header: str, body: str, status: int = 200) -> HTMLResponse:
    """A whole page; ``title`` is text, ``header`` and ``body`` are HTML."""
    html = PAGE.substitute(title=text(title), style=STYLE, script=SCRIPT, header=header, body=body)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def fragment(html: str, status: int = 200) -> HTMLResponse:
    """A part of a page (the panels a page reloads)."""
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def problem(status: int, title: str, message: str, field: str | None = None) -> HTMLResponse:
    """A page naming what was wrong with the request (and the parameter, when one was)."""
    named = f' data-field="{text(field)}"' if field else ""
    return page(title, f"<h1>{text(title)}</h1>", f'<p class="error" id="problem"{named}>{text(message)}</p>'
                '<p><a href="/">All dashboards</a></p>', status)

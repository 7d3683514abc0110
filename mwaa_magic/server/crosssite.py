"""Whether a request for ``/mwaa/open`` (and any other ``/mwaa`` route, see :func:`api_refusal`) may mint a web login token: only when Jupyter's own page, or the user
at the address bar, asked for it — never another site's page (an ``<img>``, ``<iframe>``, ``<script>``, a link).

Jupyter's login cookie authenticates any request the browser sends to the server, including those another
site's page causes; the cookie is not port-bound, so a page on another loopback port is even the same *site*
(``SameSite`` does not stop it). So the route looks at where the request comes from:

* Fetch Metadata (every current browser, over https and on localhost): a top-level navigation
  (``Sec-Fetch-Mode: navigate``, ``Sec-Fetch-Dest: document``) from the same origin or from no page at all
  (``Sec-Fetch-Site: same-origin`` / ``none``: the card's link, a bookmark, the address bar) mints. A navigation
  from any other origin (``same-site``, ``cross-site``) gets a same-origin confirmation page, whose button
  (a form POST with Jupyter's XSRF token) mints. Anything embedded or fetched is refused.
* No Fetch Metadata (older browsers, plain-http servers off localhost, scripts): an ``Origin`` of another
  host is refused; a ``Referer`` of the same origin mints, of another origin confirms. With neither (the card's
  link has ``rel=noreferrer``), a request that carries Jupyter's token mints (no page can add the token on its
  own); one authenticated by the cookie alone confirms: one click more, never a token for a forged request.
* No login at all (a browser without Jupyter's cookie, or JupyterHub's): the server's normal login, back to
  the link marked as such, which confirms: the login page's own navigation back looks same-origin.

The JSON routes (environments, an environment, doctor, login-url, config) call AWS, and doctor mints tokens:
they have no confirmation page, so :func:`api_refusal` answers them only for Jupyter's own page (Fetch
Metadata ``same-origin``, or ``none``: the address bar), only as a fetch or a navigation (never an ``<img>`` or
``<script>``, even in a notebook's output), and refuses everything else another page can cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from urllib.parse import urlsplit

JUST_LOGGED_IN = "the link was followed through the login page"


class Verdict(Enum):
    MINT = "mint"
    CONFIRM = "confirm"  # a top-level navigation from elsewhere: ask with a same-origin page
    REFUSE = "refuse"  # embedded or scripted: never mint, nothing to show


def _same_origin(url: str, host: str | None) -> bool:
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return False
    return host is not None and netloc.lower() == host.lower()


def _shown(value: str | None) -> str:
    """A header value fit for a message: a Fetch Metadata token, else a placeholder (never echo anything else)."""
    return value if value and len(value) <= 20 and value.replace("-", "").isalpha() else "(other)" if value else "(none)"


def open_verdict(
    headers: Mapping[str, str], host: str | None, method: str, token_authenticated: bool, after_login: bool = False
) -> tuple[Verdict, str]:
    """What to do with a request for ``/mwaa/open``, and why (one line, for the refusal message).

    ``after_login``: the link came back from the server's login (see ``routes.OpenHandler``). The login page
    sends the browser on with a same-origin navigation whatever page first linked here, so such a link always
    confirms: a link from another site never mints right after a login.
    """
    site, mode, dest = (headers.get(f"Sec-Fetch-{name}") for name in ("Site", "Mode", "Dest"))
    origin, referer = headers.get("Origin"), headers.get("Referer")
    if dest is not None and dest != "document" or mode is not None and mode != "navigate":
        return (
            Verdict.REFUSE,
            f"the request was not a top-level navigation (Sec-Fetch-Dest {_shown(dest)}, Sec-Fetch-Mode {_shown(mode)})",
        )
    if origin and not _same_origin(origin, host):  # "null" (an opaque origin) too
        return Verdict.REFUSE, "the request came from a page of another origin"
    if method == "POST":  # the confirmation page's form: the same origin only (Jupyter checks its XSRF token)
        if site not in (None, "same-origin") or referer and not _same_origin(referer, host):
            return Verdict.REFUSE, "the confirmation did not come from this Jupyter server's page"
        return Verdict.MINT, "confirmed"
    if after_login:
        return Verdict.CONFIRM, JUST_LOGGED_IN
    if site is not None:
        if site in ("same-origin", "none"):
            return Verdict.MINT, f"Sec-Fetch-Site {site}"
        return Verdict.CONFIRM, f"the link was opened from a page of another origin (Sec-Fetch-Site {_shown(site)})"
    if referer:
        if _same_origin(referer, host):
            return Verdict.MINT, "same-origin Referer"
        return Verdict.CONFIRM, "the link was opened from a page of another origin"
    if token_authenticated:
        return Verdict.MINT, "Jupyter token in the request"
    return Verdict.CONFIRM, "the browser did not say which page opened the link"


API_SITES = ("same-origin", "none")  # Jupyter's own page (its fetches), the address bar
API_DESTINATIONS = ("empty", "document")  # a fetch, the address bar: never an embedding, even of the same origin


def api_refusal(headers: Mapping[str, str], host: str | None, token_authenticated: bool, xsrf_header_ok: bool) -> str | None:
    """Why a request for a JSON ``/mwaa`` route must not be answered (None: answer it).

    ``xsrf_header_ok``: the request carries Jupyter's XSRF token in a header matching its cookie (JupyterLab's
    fetches do; another page cannot set a header on a cross-origin request without a preflight Jupyter refuses).
    """
    site, origin, referer = headers.get("Sec-Fetch-Site"), headers.get("Origin"), headers.get("Referer")
    dest = headers.get("Sec-Fetch-Dest")
    if origin and not _same_origin(origin, host):  # "null" (an opaque origin) too
        return "the request came from a page of another origin"
    if dest is not None and dest not in API_DESTINATIONS:  # an <img> or <script> in a notebook's output, say
        return f"the request was not a fetch or a navigation (Sec-Fetch-Dest {_shown(dest)})"
    if site is not None:
        if site in API_SITES:
            return None
        return f"the request came from a page of another origin (Sec-Fetch-Site {_shown(site)})"
    if referer:
        return None if _same_origin(referer, host) else "the request came from a page of another origin"
    if token_authenticated or xsrf_header_ok:
        return None
    return "the browser did not say which page sent the request"

"""Mimebundles for notebooks and terminals: text/plain, escaped text/html, and the lab extension's JSON.

No token is ever put where a notebook would save it, except in the explicit ``%mwaa ui --token-link``
display, which is replaced as soon as the token expires.
"""

from __future__ import annotations

import html
import os
import sys
import threading
import uuid
from typing import Any
from urllib.parse import urlencode

from ..core.session import LoginInfo, Progress
from ..core.table import Table
from ..settings_traits import jupyter_base_url

LOGIN_MIME = "application/vnd.mwaa.login+json"
TOKEN_LIFETIME = 60.0


def served_by_jupyter() -> bool:
    """True when JupyterLab or Notebook 7 shows this kernel's output, so the server's /mwaa routes can mint
    links at click time. A Jupyter server sets JPY_SESSION_NAME for its kernels; VS Code (which may set it
    too, and shows output in a webview where a relative link goes nowhere) and Colab have no such routes."""
    env = os.environ
    if any(name.startswith("VSCODE_") for name in env) or "COLAB_RELEASE_TAG" in env or "google.colab" in sys.modules:
        return False
    return bool(env.get("JPY_SESSION_NAME"))


def open_route(environment: str, region: str, profile: str | None, base_url: str | None = None) -> str:
    """The server extension's token-free link that mints a token when clicked (``base_url``: the kernel's
    setting; see :func:`~mwaa_magic.settings_traits.jupyter_base_url` for what applies without it)."""
    base = jupyter_base_url(base_url)
    query = {"environment": environment, "region": region}
    if profile:
        query["profile"] = profile
    return f"{base.rstrip('/')}/mwaa/open?{urlencode(query)}"


def escape(value: Any) -> str:
    """``value`` as text safe in HTML (attributes included)."""
    return html.escape("" if value is None else str(value), quote=True)


_e = escape


CARD_STYLE = (
    "border:1px solid var(--jp-border-color2,#ccc);border-radius:4px;padding:8px 12px;"
    "font-family:var(--jp-ui-font-family,sans-serif);display:inline-block"
)


class LoginCard:
    """What %mwaa_login shows: who is logged in where, and a link that opens the Airflow UI."""

    def __init__(self, info: LoginInfo, alias: str, jupyter_base_url: str | None = None, served: bool | None = None) -> None:
        self.info, self.alias, self.jupyter_base_url = info, alias, jupyter_base_url
        self.served = served_by_jupyter() if served is None else served

    def rows(self) -> list[tuple[str, str]]:
        i = self.info
        rows = [
            ("Environment", f"{i.environment} ({i.region}{', profile ' + i.profile if i.profile else ''})"),
            ("Airflow", i.airflow_version or "?"),
            ("Airflow identity", i.airflow_identity),
        ]
        if i.iam_identity:
            rows.append(("IAM identity", i.iam_identity))
        rows += [("Web server", i.hostname or "-"), ("Session", f"{self.alias} (transport: {i.transport})")]
        return rows

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        text = "\n".join(f"{k:>17}: {v}" for k, v in self.rows())
        text += f"\nOpen the Airflow UI logged in: %mwaa ui   REST calls: {self.alias}.dags(), %mwaa dags"
        body = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in self.rows()
        )
        i = self.info
        if not i.hostname:
            link = ""
        elif self.served:
            link = (
                f"<a href='{_e(open_route(i.environment, i.region, i.profile, self.jupyter_base_url))}' "
                f"target='_blank' rel='noopener noreferrer'>Open Airflow UI ({_e(i.hostname)})</a>"
            )
        else:  # VS Code, Colab, jupyter console: no Jupyter server routes to mint a link at click time
            link = (
                f"<span class='mwaa-no-server'>Run <code>%mwaa ui --token-link</code> for a login link to {_e(i.hostname)} "
                "(valid 60 s; a notebook saved meanwhile keeps it)</span>"
            )
        card = f"<div class='mwaa-login-card' style='{CARD_STYLE}'><b>MWAA: logged in</b><table>{body}</table>{link}</div>"
        return {"text/plain": text, "text/html": card, LOGIN_MIME: self.info.to_json()}


class TokenLink:
    """A console-SSO link holding a live token; its display is replaced when the token expires."""

    def __init__(self, url: str, environment: str, lifetime: float = TOKEN_LIFETIME) -> None:
        self.url, self.environment, self.lifetime = url, environment, lifetime
        self.display_id = uuid.uuid4().hex

    def __repr__(self) -> str:
        return f"<Airflow UI link for {self.environment}: valid {self.lifetime:.0f}s; as text: %mwaa ui --print>"

    def warning(self) -> str:
        """The line said before the link is printed as text."""
        return (
            f"This link to the Airflow UI of {self.environment} is a secret: it logs in once, within "
            f"{self.lifetime:.0f} s; do not share it or save it."
        )

    def live_bundle(self) -> dict[str, str]:
        return {
            "text/plain": repr(self),
            "text/html": (
                f"<a href='{_e(self.url)}' target='_blank' rel='noopener noreferrer'>Open Airflow UI "
                f"({_e(self.environment)}) logged in</a> <small>(link valid {self.lifetime:.0f} s)</small>"
            ),
        }

    def expired_bundle(self) -> dict[str, str]:
        text = f"The Airflow UI link for {self.environment} has expired: run %mwaa ui for a fresh one."
        return {"text/plain": text, "text/html": f"<span>{_e(text)}</span>"}

    def show(self) -> None:
        from IPython.display import display, update_display

        display(self.live_bundle(), raw=True, display_id=self.display_id)
        timer = threading.Timer(
            self.lifetime, lambda: update_display(self.expired_bundle(), raw=True, display_id=self.display_id)
        )
        timer.daemon = True
        timer.start()


Rows = Table  # the faces' name for the core's table


def show(value: Any) -> None:
    """Display ``value`` in IPython (its HTML in notebooks), else print its text form."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        print(repr(value))
        return
    if get_ipython() is None:
        print(repr(value))
    else:
        display(value)


class NotebookProgress(Progress):
    """Progress as one display that updates in place, then shows the final line."""

    def __init__(self) -> None:
        self.display_id = uuid.uuid4().hex
        self._shown = False

    def update(self, text: str) -> None:
        from IPython.display import display, update_display

        bundle = {"text/plain": text}
        if self._shown:
            update_display(bundle, raw=True, display_id=self.display_id)
        else:
            display(bundle, raw=True, display_id=self.display_id)
            self._shown = True

    def close(self, text: str) -> None:
        self.update(text)

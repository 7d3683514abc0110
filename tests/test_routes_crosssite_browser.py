"""Every ``/mwaa`` JSON route in real headless Chromium: another origin's page makes no AWS call through them.

Issue 17 #9: ``GET /mwaa/doctor/ENV`` embedded as an ``<img>`` by another site minted a web login token and a
CLI token. The Jupyter user is logged in (Lab opened once with ``?token=``: the browser holds Jupyter's login
cookie). A page on another loopback port (same *site*, other *origin*: the cookie rides along) and one on
``localhost`` (another site) embed each route as ``<img>`` and ``<script>``, POST a form to it (into a hidden
frame), and ``fetch`` it with ``mode: 'no-cors'`` and the cookie. Every counter of the emulator (token mints,
GetEnvironment, ListEnvironments, ...) must stay where it was. Lab's own fetch of a route still works.
"""

from __future__ import annotations

import json

import pytest
from lab_helpers import open_lab, page_server

pytestmark = pytest.mark.browser

ENVIRONMENT = "demo-airflow3"
ROUTES = [  # (method, path): every route that calls AWS, and the pickers' config
    ("GET", f"mwaa/doctor/{ENVIRONMENT}"),
    ("GET", "mwaa/environments"),
    ("GET", f"mwaa/environments/{ENVIRONMENT}"),
    ("GET", "mwaa/config"),
    ("POST", "mwaa/login-url"),
]
KINDS = ("img", "script", "form", "fetch")


def attack_page(lab_url: str) -> bytes:
    """One element per (route, kind); each sets ``window.done[id]`` when the browser is through with it."""
    parts, ids = [], []
    body = json.dumps({"environment": ENVIRONMENT})
    for n, (method, path) in enumerate(ROUTES):
        url = f"{lab_url}/{path}"
        ids += [f"{kind}{n}" for kind in KINDS]
        parts.append(f'<img src="{url}" onload="mark(\'img{n}\')" onerror="mark(\'img{n}\')">')
        parts.append(f'<script src="{url}" onload="mark(\'script{n}\')" onerror="mark(\'script{n}\')"></script>')
        # a form (text/plain: the classic JSON-shaped CSRF) into a hidden frame, submitted at once
        parts.append(
            f'<iframe name="f{n}" style="display:none" onload="if (this.dataset.sent) mark(\'form{n}\')"></iframe>'
            f'<form id="form{n}" method="{method}" action="{url}" target="f{n}" enctype="text/plain">'
            f'<input type="hidden" name=\'{body[:-1]}, "x": "\' value=\'"}}\'></form>'
        )
        init = f"{{method: '{method}', mode: 'no-cors', credentials: 'include'" + (
            f", body: {body!r}}}" if method == "POST" else "}"
        )
        parts.append(f"<script>fetch('{url}', {init}).finally(() => mark('fetch{n}'));</script>")
    submit = "".join(
        f"document.querySelector('iframe[name=f{n}]').dataset.sent = 1; document.getElementById('form{n}').submit();"
        for n in range(len(ROUTES))
    )
    return f"""<!doctype html><html><head><title>another site</title>
<script>window.done = {{}}; function mark(id) {{ window.done[id] = true; }}</script></head><body>
{"".join(parts)}
<script>window.addEventListener('load', () => {{ {submit} }});</script>
<script>window.expected = {json.dumps(ids)};</script>
</body></html>""".encode()


@pytest.fixture(scope="module")
def other_site(lab):
    with page_server(attack_page(lab.url)) as port:
        yield port


@pytest.fixture
def lab_page(browser, lab):
    """Lab open (Jupyter's login cookie and _xsrf cookie now in the browser context)."""
    page = open_lab(browser, lab)
    yield page
    page.context.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"], ids=["same-site-other-port", "cross-site"])
def test_another_origin_cannot_make_the_routes_call_aws(lab_page, lab, other_site, mwaa_emulator, host):
    before = mwaa_emulator.admin.calls()
    evil = lab_page.context.new_page()
    evil.goto(f"http://{host}:{other_site}/")
    evil.wait_for_function("() => window.expected && window.expected.every(id => window.done[id])", timeout=60_000)
    evil.wait_for_timeout(1000)  # a refused-but-slow route would still be running: give it time to call AWS
    assert mwaa_emulator.admin.calls() == before, "a page of another origin made a /mwaa route call AWS"
    evil.close()
    # Lab's own fetch (ServerConnection: same origin, its XSRF header) still gets the data.
    status = lab_page.evaluate(
        """async (name) => {
            const settings = window.jupyterapp.serviceManager.serverSettings;
            const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
            const response = await fetch(settings.baseUrl + 'mwaa/environments/' + name,
                {credentials: 'same-origin', headers: {'X-XSRFToken': xsrf}});
            return response.status;
        }""",
        ENVIRONMENT,
    )
    assert status == 200
    assert mwaa_emulator.admin.calls().get("GetEnvironment", 0) == before.get("GetEnvironment", 0) + 1

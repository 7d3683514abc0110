"""The environment picker: choose profile, region and environment, then log in (stock ipywidgets 8 only).

Listing runs in a background thread (ListEnvironments + concurrent GetEnvironment); results of an older
request (another profile or region) are dropped. Logging in goes through ``MwaaMagics.login``, exactly
what ``%mwaa_login`` does. No token ever sits in a widget trait: the "Open Airflow UI" link points at the
server extension's ``/mwaa/open`` route, which mints a fresh token when clicked.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import ipywidgets as w

from ..core import control_plane as control
from ..core import errors
from ..core.table import readable_colour
from ..core.text import first_line
from .display import escape as _e
from .display import open_route

# GetEnvironment calls in flight at once: a ListEnvironments page (25 names) in one wave, never more than
# the control-plane client's connection pool (more threads would open and discard extra connections).
LIST_WORKERS = control.POOL_CONNECTIONS
DEFAULT_CREDENTIALS = "(default credentials)"
# Text colours from JupyterLab's theme, readable (WCAG AA) in its light and dark themes; the chosen environment's
# button takes the brand colour with the theme's inverse text.
GOOD = readable_colour("--jp-success-color1", "#388e3c")
BAD = readable_colour("--jp-error-color1", "#d32f2f")
WARN = readable_colour("--jp-warn-color1", "#f57c00")
GREY = "var(--jp-ui-font-color1,rgba(0,0,0,.87))"
STATUS_COLORS = {
    "AVAILABLE": GOOD,
    "CREATE_FAILED": BAD,
    "UPDATE_FAILED": BAD,
    "UNAVAILABLE": BAD,
    "DELETED": GREY,
    "DELETING": GREY,
}
HELP_COLOR = GREY
CHOSEN = {"button_color": "var(--jp-brand-color1,#1976d2)", "text_color": "var(--jp-ui-inverse-font-color0,#fff)"}
LABEL_WIDTH = "4.5em"  # Profile, Region, Variable
NAME_WIDTH, NAME_GAP = "160px", "16px"  # the environment buttons' column (their details sit beside it where they fit)
HELP = (
    "Pick an AVAILABLE environment, then <b>Log in</b>: the session is bound to the variable you name "
    "(like <code>%mwaa_login NAME</code>). The <b>Open Airflow UI</b> link holds no token: the Jupyter "
    "server mints a fresh 60-second login token at the moment you click it, so nothing secret is saved "
    "with the notebook. Outside Jupyter Server (VS Code, Colab) run <code>%mwaa ui</code> instead."
)


def _one_line(exc: BaseException) -> str:
    """The single line a user sees for an error; never a traceback."""
    if isinstance(exc, errors.MwaaError):
        text = exc.message
    elif type(exc).__name__ == "UsageError":
        text = str(exc)
    else:
        text = f"Unexpected error ({type(exc).__name__}): {exc}"
    return first_line(text, 400) or type(exc).__name__


class EnvironmentPicker(w.VBox):
    """Profile and region pickers, the region's environments, a variable name and a Log in button.

    Every row wraps (a 400 px notebook panel, a narrow window) instead of overflowing; colours are JupyterLab's
    theme variables, so the light and the dark theme both keep text readable (WCAG AA).
    """

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        variable: str | None = None,
        magics: Any = None,
        **kwargs: Any,
    ) -> None:
        self._init_state(magics)
        self._init_location(profile, region)
        self._init_table()
        self._init_actions(variable or getattr(magics, "variable", None) or "mwaa")
        self._wire()
        super().__init__(children=self._rows(), layout=w.Layout(max_width="100%"), **kwargs)
        self.add_class("mwaa-env-picker")
        self.refresh()

    def _init_state(self, magics: Any) -> None:
        """What the picker knows: the listing, the choice, the last error and session (no widgets)."""
        self._magics = magics
        self._lock = threading.Lock()
        self._generation = 0
        self._loaded = threading.Event()
        self.environments: dict[str, control.EnvironmentInfo] = {}
        self.buttons: dict[str, w.Button] = {}
        self.selected: str | None = None
        self.last_error: str | None = None
        self.session = None
        self.diagnosis: Any = None  # the last Diagnose run's results

    def _init_location(self, profile: str | None, region: str | None) -> None:
        """The profile and region dropdowns (starting at the given ones, else the configured defaults), Refresh."""
        self.profile = w.Dropdown(description="Profile", options=_profile_options(profile), **_labelled("260px"))
        self.profile.value = profile or control.default_profile() or self.profile.options[0][1]
        regions = _regions()
        start_region = region or control.default_region(self.profile.value or None)
        if start_region and start_region not in regions:
            regions = [start_region, *regions]
        self.region = w.Dropdown(description="Region", options=regions, value=start_region or None, **_labelled("240px"))
        self.refresh_button = w.Button(
            description="Refresh", icon="refresh", tooltip="List the environments again", layout=_fitting("100px")
        )
        self.busy = w.HTML("", layout=w.Layout(margin="0 0 0 8px", max_width="100%"))
        self.message = w.HTML("", layout=w.Layout(max_width="100%"))

    def _init_table(self) -> None:
        """The environments: a button and its details a row, side by side where they fit, else one above the other."""
        self.table = w.Box([], layout=w.Layout(flex_flow="row wrap", align_items="center", width="100%"))
        self.table.add_class("mwaa-picker-table")
        self._button_layout = w.Layout(width="auto", min_width=NAME_WIDTH, margin=f"2px {NAME_GAP} 2px 0")
        self._details_layout = w.Layout(flex=f"1 1 calc(100% - {NAME_WIDTH} - {NAME_GAP})", min_width="11em", margin="0")

    def _init_actions(self, variable: str) -> None:
        """The variable to bind, Log in, Diagnose, the Open Airflow UI link, the help text and the output."""
        self.variable = w.Text(value=variable, description="Variable", **_labelled("220px"))
        self.login_button = w.Button(
            description="Log in",
            button_style="primary",
            icon="sign-in",
            disabled=True,
            tooltip="Pick an AVAILABLE environment first",
        )
        self.diagnose_button = w.Button(
            description="Diagnose", icon="stethoscope", disabled=True, tooltip="Pick an environment first"
        )
        self.open_link = w.HTML("", layout=w.Layout(max_width="100%"))
        self.help = w.HTML(f"<div style='font-size:85%;line-height:1.35;color:{HELP_COLOR}'>{HELP}</div>")
        self.output = w.Output()

    def _wire(self) -> None:
        """What each control does when changed or clicked."""
        self.profile.observe(self._on_profile, names="value")
        self.region.observe(lambda _: self.refresh(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.login_button.on_click(lambda _: self.login())
        self.diagnose_button.on_click(lambda _: self.diagnose(background=True))

    def _rows(self) -> list[w.Widget]:
        """Title, location, message, table, actions, help, output: each row wraps at narrow widths."""
        return [
            w.HTML("<b>MWAA environments</b>"),
            _wrapping_row(self.profile, self.region, self.refresh_button, self.busy),
            self.message,
            self.table,
            _wrapping_row(self.variable, self.login_button, self.diagnose_button, self.open_link),
            self.help,
            self.output,
        ]

    # --- listing ---------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """List the environments of the chosen profile and region in a background thread."""
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._loaded.clear()
        profile, region = self.profile.value or None, self.region.value
        self._select(None)
        self._fill([])
        if not region:
            self._finish(generation, [], "Pick a region: no default region is configured (AWS_DEFAULT_REGION or your profile).")
            return
        self.busy.value = f"<span class='mwaa-picker-busy'>&#8987; Loading environments in {_e(region)}&hellip;</span>"
        self.refresh_button.disabled = True
        threading.Thread(target=self._list, args=(generation, profile, region), daemon=True, name="mwaa-picker-list").start()

    def _list(self, generation: int, profile: str | None, region: str) -> None:
        try:
            plane = control.control_plane(profile, region)
            infos = plane.list_environments(max_workers=LIST_WORKERS)
            error = None if infos else f"No MWAA environments in {region}."
        except Exception as exc:
            infos, error = [], _one_line(exc)
        self._finish(generation, sorted(infos, key=lambda i: i.name), error)

    def _finish(self, generation: int, infos: list[control.EnvironmentInfo], error: str | None) -> None:
        with self._lock:
            if generation != self._generation:
                return  # a newer request (other profile or region) owns the panel now
            self.environments = {i.name: i for i in infos}
            self._fill(infos)
            self._show_error(error)
            self.busy.value = ""
            self.refresh_button.disabled = False
            self._loaded.set()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the current listing has finished (for scripts and tests)."""
        return self._loaded.wait(timeout)

    @property
    def loading(self) -> bool:
        return not self._loaded.is_set()

    def _on_profile(self, change: dict) -> None:
        region = control.default_region(change["new"] or None)
        if region and region != self.region.value and region in self.region.options:
            self.region.value = region  # its observer re-lists
        else:
            self.refresh()

    # --- the table -------------------------------------------------------------------------------------
    def _fill(self, infos: list[control.EnvironmentInfo]) -> None:
        """Two widgets a row (the environment's button, one HTML for the rest): a listing stays cheap."""
        self.buttons = {}
        cells: list[w.Widget] = []
        if infos:
            header = w.HTML("<b>Environment</b>", layout=self._button_layout)
            access = "<b title='Web server access mode'>Access</b>"
            cells = [header, self._details("<b>Status</b>", "<b>Airflow</b>", access)]
        for info in infos:
            button = w.Button(
                description=info.name, disabled=not _loginable(info), tooltip=_tooltip(info), layout=self._button_layout
            )
            button.add_class("mwaa-picker-env")
            button.on_click(lambda _, name=info.name: self._select(name))
            self.buttons[info.name] = button
            status = info.status or "unknown"
            color = STATUS_COLORS.get(status, WARN)
            cells += [
                button,
                self._details(
                    f"<span class='mwaa-picker-status' style='color:{color}'>{_e(status)}</span>",
                    _e(info.airflow_version or "?"),
                    _e(info.webserver_access_mode or "?"),
                ),
            ]
        self.table.children = cells

    def _details(self, status: str, version: str, access: str) -> w.HTML:
        """Status, Airflow version and access mode (already escaped HTML) beside the name, wrapping when narrow."""
        return w.HTML(_details(status, version, access), layout=self._details_layout)

    def select(self, name: str) -> None:
        """Choose an environment (as clicking its row does); only AVAILABLE ones can be chosen."""
        info = self.environments.get(name)
        if info is None:
            raise errors.EnvironmentNotFound(f"{name!r} is not in the list ({', '.join(self.environments) or 'empty'}).")
        if not _loginable(info):
            raise errors.EnvironmentNotAvailable(f"{name} is {info.status}: only AVAILABLE environments can be logged in to.")
        self._select(name)

    def _select(self, name: str | None) -> None:
        self.selected = name
        for env, button in getattr(self, "buttons", {}).items():
            button.button_style = "info" if env == name else ""
            for key, value in CHOSEN.items():  # the theme's colours, not ipywidgets' white on bright cyan
                setattr(button.style, key, value if env == name else None)
        self.login_button.disabled = name is None
        self.login_button.tooltip = f"Log in to {name}" if name else "Pick an AVAILABLE environment first"
        self.diagnose_button.disabled = name is None
        self.diagnose_button.tooltip = f"Check the whole path to {name} (%mwaa doctor)" if name else "Pick an environment first"
        if name is None:
            self.open_link.value = ""
            return
        href = open_route(name, self.region.value, self.profile.value or None, getattr(self._magics, "jupyter_base_url", None))
        self.open_link.value = (
            f"<a class='mwaa-picker-open-ui' href='{_e(href)}' target='_blank' rel='noopener noreferrer' "
            f"style='color:var(--jp-content-link-color,#1976d2);text-decoration:underline'>"
            f"Open Airflow UI ({_e(name)}) &#8599;</a>"
        )

    def _show_error(self, text: str | None) -> None:
        self.last_error = text
        self.message.value = f"<span class='mwaa-picker-error' style='color:{BAD}'>{_e(text)}</span>" if text else ""

    # --- log in -----------------------------------------------------------------------------------------
    def login(self) -> Any:
        """Do what ``%mwaa_login`` does for the chosen environment; the card goes to the panel's output."""
        name = self.selected
        if not name:
            self._show_error("Pick an AVAILABLE environment first.")
            return None
        self._show_error(None)
        self.login_button.disabled = True
        self.busy.value = f"<span class='mwaa-picker-busy'>&#8987; Logging in to {_e(name)}&hellip;</span>"
        self.output.clear_output()
        failure: BaseException | None = None
        with self.output:  # the card lands here; errors must not (Output would show their traceback)
            try:
                session = _magics(self._magics).login(
                    name, self.region.value, self.profile.value or None, self.variable.value.strip() or None
                )
            except Exception as exc:
                failure = exc
        self.busy.value = ""
        self.login_button.disabled = self.selected is None
        if failure is not None:
            self._show_error(_one_line(failure))
            return None
        self.session = session
        return session

    # --- diagnose ---------------------------------------------------------------------------------------
    def diagnose(self, name: str | None = None, background: bool = False) -> Any:
        """Run ``%mwaa doctor`` on the chosen environment (or ``name``); its table goes to the panel's output.

        With ``background`` the checks run in a thread (up to 30 s) and this returns the thread.
        """
        name = name or self.selected
        if not name:
            self._show_error("Pick an environment first.")
            return None
        region, profile = self.region.value, self.profile.value or None
        self._show_error(None)
        self.diagnose_button.disabled = True
        self.busy.value = f"<span class='mwaa-picker-busy'>&#8987; Diagnosing {_e(name)} (up to 30 s)&hellip;</span>"
        if background:
            thread = threading.Thread(target=self._diagnose, args=(name, region, profile), daemon=True, name="mwaa-picker-doctor")
            thread.start()
            return thread
        return self._diagnose(name, region, profile)

    def _diagnose(self, name: str, region: str | None, profile: str | None) -> Any:
        from ..core.doctor import doctor

        try:
            self.diagnosis = doctor(name, region, profile, getattr(self._magics, "webserver_urls", None))
        except Exception as exc:
            self._show_error(_one_line(exc))
        else:
            self.output.clear_output()
            self.output.append_display_data(self.diagnosis)
            if not self.diagnosis.ok:
                self._show_error(self.diagnosis.summary())
        finally:
            self.busy.value = ""
            self.diagnose_button.disabled = self.selected is None
        return self.diagnosis


@functools.lru_cache(maxsize=1)
def _regions() -> list[str]:
    """MWAA regions from botocore's data: loading it costs ~0.2-0.8 s, so once per kernel."""
    return list(control.mwaa_regions())


def _magics(magics: Any) -> Any:
    """The shell's MwaaMagics (the extension is loaded when it is not yet)."""
    if magics is not None:
        return magics
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise errors.MwaaError("The environment picker logs in through IPython: use it in Jupyter or IPython.")
    found = shell.magics_manager.registry.get("MwaaMagics")
    if found is None:
        shell.run_line_magic("load_ext", "mwaa_magic")
        found = shell.magics_manager.registry["MwaaMagics"]
    return found


def _loginable(info: control.EnvironmentInfo) -> bool:
    """AVAILABLE, or unknown because GetEnvironment was refused (the login then finds out)."""
    return info.status == "AVAILABLE" or (info.status is None and info.error is not None)


def _details(status: str, version: str, access: str) -> str:
    """Status, Airflow version and access mode in columns of fixed minimum widths that wrap when narrow."""
    cell = "<span style='min-width:{}'>{}</span>"
    cells = cell.format("8.5em", status) + cell.format("4em", version) + cell.format("0", access)
    return f"<div class='mwaa-picker-details' style='display:flex;flex-wrap:wrap;column-gap:8px;line-height:1.6'>{cells}</div>"


def _labelled(width: str) -> dict[str, Any]:
    """A labelled control's layout and style: ``width`` wide, narrower when its row is, with a short label
    column (ipywidgets' 80 px left a 220 px picker's Profile dropdown half its room)."""
    return {"layout": _fitting(width), "style": {"description_width": LABEL_WIDTH}}


def _fitting(width: str) -> w.Layout:
    """A control's layout: ``width`` wide, narrower when its row is (never wider than the panel)."""
    return w.Layout(width=width, max_width="calc(100% - 2 * var(--jp-widgets-margin, 2px))")  # its margins too


def _wrapping_row(*children: w.Widget) -> w.HBox:
    """A row of controls that wraps onto more lines instead of overflowing a narrow panel."""
    return w.HBox(list(children), layout=w.Layout(flex_flow="row wrap", align_items="center", max_width="100%"))


def _tooltip(info: control.EnvironmentInfo) -> str:
    if info.error:
        return f"Status unknown: {info.error}"
    if info.status != "AVAILABLE":
        return f"{info.status}: only AVAILABLE environments can be logged in to"
    return f"Log in to {info.name} (Airflow {info.airflow_version})"


def _profile_options(profile: str | None) -> list[tuple[str, str]]:
    """Default credentials first (what boto3 finds by itself), then the named profiles (``default`` first)."""
    profiles = control.available_profiles()
    for extra in (profile, control.default_profile()):
        if extra and extra not in profiles:
            profiles.append(extra)
    return [(DEFAULT_CREDENTIALS, "")] + [(p, p) for p in profiles]

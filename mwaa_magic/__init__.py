"""mwaa_magic: log in to Amazon MWAA from Jupyter.

Entry points only; everything heavy (boto3, httpx, ipywidgets, tornado) loads on first use.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """``__version__`` from the installed metadata (its one source is labextension/package.json)."""
    if name == "__version__":
        from importlib.metadata import version

        return version("mwaa_magic")
    raise AttributeError(name)


def load_ipython_extension(ipython) -> None:
    """``%load_ext mwaa_magic``: register ``%mwaa_login``, ``%mwaa`` and ``%%mwaa_cli``."""
    from .kernel.magics import MwaaMagics

    magics = MwaaMagics(shell=ipython)
    ipython.register_magics(magics)
    if magics not in ipython.configurables:
        ipython.configurables.append(magics)


def unload_ipython_extension(ipython) -> None:
    from .kernel.magics import MwaaMagics

    ipython.configurables[:] = [c for c in ipython.configurables if not isinstance(c, MwaaMagics)]


def panel(**kwargs):
    """The environment picker (ipywidgets): choose profile, region and environment, then log in."""
    from .kernel.picker import EnvironmentPicker

    return EnvironmentPicker(**kwargs)


def doctor(
    environment: str,
    region: str | None = None,
    profile: str | None = None,
    webserver_urls: str | None = None,
    raise_on_failure: bool = True,
) -> Any:
    """Check the whole path to ``environment`` step by step; returns the results (a table that is also data).

    When a check fails and ``raise_on_failure`` is true, the table is shown and ``DoctorFailed`` is raised
    (its ``.diagnosis`` holds the results), so that a notebook run stops.
    """
    from .core.doctor import DoctorFailed
    from .core.doctor import doctor as run_doctor

    diagnosis = run_doctor(environment, region, profile, webserver_urls)
    if not diagnosis.ok and raise_on_failure:
        from .kernel.display import show

        show(diagnosis)
        raise DoctorFailed(diagnosis)
    return diagnosis


def check(paths: Any, version: str) -> Any:
    """Parse DAG files or folders here with Airflow ``version`` (the emulator's install of that MWAA release,
    installed on first use): no login, no upload. Raises DagImportError (Airflow's traceback shown) on an
    import error; returns the ParseReport."""
    from .gate.api import run_check
    from .kernel.display import show

    return run_check(None, version, paths, show=show)


def test_dag(dag_id: str, paths: Any, version: str, **options: Any) -> Any:
    """Run a DAG from files here with ``airflow dags test`` on Airflow ``version`` (no login); options as
    ``AirflowSession.test_dag``. Returns the task states; raises TaskFailed when a task fails."""
    from .gate.api import run_test
    from .kernel.display import show

    return run_test(None, version, dag_id, paths, show=show, **options)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "mwaa_magic.server"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "mwaa-magic"}]

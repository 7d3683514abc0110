"""Variables and connections for a local test run: from files in Airflow's own formats (JSON or YAML, as the
local-filesystem secrets backend reads them) or from the environment through the REST API. They reach Airflow as
``AIRFLOW_VAR_*`` / ``AIRFLOW_CONN_*`` variables of the test's process only; every secret value is masked in
anything shown (:meth:`Inputs.mask`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..core import errors
from ..core.table import Table
from ..core.text import shorten

# Airflow's own list (core.sensitive_var_conn_names' defaults): a variable or extra field named so is a secret
SENSITIVE = (
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "token",
    "keyfile_dict",
    "service_account",
)
MASK = "***"


class InvalidInputsFile(errors.InvalidInput):
    """A variables or connections file that cannot be read in Airflow's formats."""


def sensitive(name: str) -> bool:
    return any(word in name.lower() for word in SENSITIVE)


@dataclass(frozen=True)
class Inputs:
    """Variables (key -> text) and connections (id -> Airflow's JSON fields, or a URI) for one test run."""

    variables: dict[str, str] = field(default_factory=dict)
    connections: dict[str, dict[str, Any] | str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def environment(self) -> dict[str, str]:
        """The process variables that hand them to Airflow (its environment-variables secrets backend)."""
        env = {f"AIRFLOW_VAR_{key.upper()}": value for key, value in self.variables.items()}
        for conn_id, conn in self.connections.items():
            env[f"AIRFLOW_CONN_{conn_id.upper()}"] = conn if isinstance(conn, str) else json.dumps(conn)
        return env

    def secrets(self) -> list[str]:
        """Every value to mask: sensitive variables, connection passwords and sensitive extras, URI passwords."""
        found = [value for key, value in self.variables.items() if sensitive(key)]
        for conn in self.connections.values():
            if isinstance(conn, str):
                found.append(urlsplit(conn).password or "")
                continue
            found.append(str(conn.get("password") or ""))
            extra = conn.get("extra")
            if isinstance(extra, str):
                try:
                    extra = json.loads(extra)
                except ValueError:
                    extra = {}
            if isinstance(extra, dict):
                found += [str(v) for k, v in extra.items() if sensitive(str(k)) and v]
        return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, MASK)
        return text

    def table(self) -> Table:
        rows = [
            {"kind": "variable", "name": k, "value": MASK if sensitive(k) else shorten(v, 60)} for k, v in self.variables.items()
        ]
        rows += [{"kind": "connection", "name": c, "value": _shown_connection(conn)} for c, conn in self.connections.items()]
        return Table(rows, ["kind", "name", "value"], title="Variables and connections for the local run (secrets masked)")

    def merged(self, other: Inputs) -> Inputs:
        """These, with ``other``'s values winning (a file given over the environment's)."""
        return Inputs({**self.variables, **other.variables}, {**self.connections, **other.connections}, self.notes + other.notes)


def _shown_connection(conn: dict[str, Any] | str) -> str:
    if isinstance(conn, str):
        parts = urlsplit(conn)
        return f"{parts.scheme}://{parts.hostname or ''}" + (f" (password {MASK})" if parts.password else "")
    password = f" (password {MASK})" if conn.get("password") else ""
    return f"{conn.get('conn_type', '?')}://{conn.get('host') or ''}{password}"


def _load(path: str | Path, what: str) -> Any:
    file = Path(path).expanduser()
    if not file.is_file():
        raise InvalidInputsFile(f"No {what} file {shorten(str(path))!r} here: give a JSON or YAML file on this machine.")
    text = file.read_text(encoding="utf-8", errors="replace")
    try:
        if file.suffix.lower() in (".yaml", ".yml"):
            import yaml

            return yaml.safe_load(text)
        return json.loads(text)
    except ImportError:
        raise InvalidInputsFile(f"Reading {file.name} needs PyYAML (pip install pyyaml), or give a JSON file.") from None
    except Exception as exc:  # json's or yaml's parse error
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInputsFile(
            f"{file.name} is not valid {'YAML' if file.suffix.lower() in ('.yaml', '.yml') else 'JSON'}: {shorten(first, 100)}"
        ) from None


def from_files(variables: str | Path | None = None, connections: str | Path | None = None) -> Inputs:
    """Airflow's local-filesystem formats: variables ``{key: value}``; connections ``{id: URI | {conn_type,
    host, login, password, schema, port, extra}}`` (a list per id: the first)."""
    found_vars: dict[str, str] = {}
    found_conns: dict[str, dict[str, Any] | str] = {}
    if variables is not None:
        data = _load(variables, "variables")
        if not isinstance(data, dict):
            raise InvalidInputsFile(f'{Path(variables).name} must map variable keys to values ({{"key": "value"}}).')
        found_vars = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    if connections is not None:
        data = _load(connections, "connections")
        if not isinstance(data, dict):
            raise InvalidInputsFile(
                f'{Path(connections).name} must map connection ids to a URI or fields ({{"my_db": {{"conn_type": ...}}}}).'
            )
        for conn_id, conn in data.items():
            conn = conn[0] if isinstance(conn, list) and conn else conn
            if not isinstance(conn, (str, dict)) or (isinstance(conn, dict) and not conn.get("conn_type")):
                raise InvalidInputsFile(
                    f"Connection {str(conn_id)[:40]!r} in {Path(connections).name} needs a URI or fields with conn_type."
                )
            found_conns[str(conn_id)] = conn
    return Inputs(found_vars, found_conns)


CONNECTION_FIELDS = ("conn_type", "host", "login", "schema", "port", "extra", "description")


def from_environment(session: Any) -> Inputs:
    """The environment's variables and connections through its REST API. The API returns no connection
    password (left empty here) and masks sensitive variables' values: both said in the notes."""
    variables = {str(v["key"]): str(v.get("value") or "") for v in session.paged("/variables", "variables")}
    connections: dict[str, dict[str, Any] | str] = {}
    for item in session.paged("/connections", "connections"):
        conn = {k: item[k] for k in CONNECTION_FIELDS if item.get(k) not in (None, "")}
        conn.setdefault("conn_type", "generic")
        connections[str(item.get("connection_id") or item.get("conn_id"))] = conn
    notes = []
    if connections:
        notes.append(
            f"{len(connections)} connection(s) from the environment without passwords (its REST API does not return "
            "them): give them in a connections file where a task needs them."
        )
    hidden = [k for k, v in variables.items() if v.strip("*") == "" and v]
    if hidden:
        notes.append(f"Airflow masked the value of {', '.join(hidden)} in its answer: give those in a variables file.")
    return Inputs(variables, connections, tuple(notes))

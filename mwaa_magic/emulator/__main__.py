"""``python -m mwaa_magic.emulator install | up | down | env``: a local MWAA for tries and CI."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

from .airflow_env import cache_root
from .config import EmulatorConfig

EXIT_PORT_IN_USE = 3  # scripts/quickstart then retries with --port 0
EXIT_ALREADY_RUNNING = 4


def state_file() -> Path:
    return cache_root() / "emulator.json"


def load_config(path: str | None, port: int | None) -> EmulatorConfig:
    config = EmulatorConfig.from_file(path) if path else EmulatorConfig.default()
    if port is not None:
        config.port = port
        if port == 0:  # all ports free ones: several emulators may run side by side
            for env in config.environments:
                env.web_port = 0
    return config


def cmd_install(args: argparse.Namespace) -> int:
    from .install import install

    versions = list(args.versions or [])  # with --config too: both, in parallel
    if args.config or not versions:
        versions += [v for v in load_config(args.config, None).backend_versions() if v not in versions]
    try:
        install(versions, cache_root())
    except RuntimeError as exc:  # a failed step: its name, and the end of its output
        return _fail(str(exc), 1)
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    if args.state_file and (owner := _read_state(Path(args.state_file))):
        return _fail(
            f"an MWAA emulator is already running (pid {owner['pid']}, "
            f"{owner['settings'].get('MWAA_EMULATOR_URL', '?')}): use it with "
            f'`eval "$(python -m mwaa_magic.emulator env)"`, or stop it with '
            f"`python -m mwaa_magic.emulator down`",
            EXIT_ALREADY_RUNNING,
        )
    config = load_config(args.config, args.port)
    if not args.no_airflow:
        from .install import install

        try:
            install(config.backend_versions(), cache_root())
        except RuntimeError as exc:
            return _fail(str(exc), 1)
    return asyncio.run(_serve(config, args))


async def _serve(config: EmulatorConfig, args: argparse.Namespace) -> int:
    from .server import Emulator, PortInUse, StartError

    secret = secrets.token_urlsafe(32)
    admin_file = _write_admin_file(secret)
    emulator = Emulator(
        config,
        cache_dir=cache_root(),
        with_airflow=not args.no_airflow,
        with_history=not args.no_history,
        admin_secret=secret,
        admin_file=admin_file,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    try:
        starting = asyncio.ensure_future(emulator.start())
        await asyncio.wait([starting, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            return 130
        try:
            starting.result()
        except PortInUse as exc:
            return _fail(str(exc), EXIT_PORT_IN_USE)
        except StartError as exc:
            return _fail(str(exc), 1)
        except (RuntimeError, TimeoutError) as exc:  # Airflow missing, exited or not ready: what its log said
            return _fail(str(exc) or type(exc).__name__, 1)
        print(
            f"# MWAA emulator ready in {time.monotonic() - started:.1f}s. Paste these lines into a shell, or run\n"
            f'#   eval "$(python -m mwaa_magic.emulator env)"',
            flush=True,
        )
        print(emulator.export_lines(), flush=True)
        if emulator.backends:
            print(f"# Airflow's logs: {emulator.workdir}/airflow-*/logs (removed when the emulator stops)", flush=True)
        if args.state_file:  # before "# ready": whoever sees it may run `env` at once
            _write_state(Path(args.state_file), emulator)
        print("# ready (Ctrl-C stops the emulator and every process it started)", flush=True)
        await stop.wait()
        return 0
    finally:
        await emulator.stop()
        admin_file.unlink(missing_ok=True)
        if args.state_file:
            _remove_own_state(Path(args.state_file))


def _write_admin_file(secret: str) -> Path:
    """A new file only this user may read (mode 0600) holding the admin API's secret; `up` exports its path."""
    fd, path = tempfile.mkstemp(prefix="mwaa-emulator-admin-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump({"secret": secret, "pid": os.getpid()}, f)
    return Path(path)


def _fail(message: str, code: int) -> int:
    print(f"mwaa_magic.emulator: {message}", file=sys.stderr, flush=True)
    return code


def _write_state(path: Path, emulator) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "settings": emulator.settings()}))


def _read_state(path: Path) -> dict | None:
    """The state of the live emulator that wrote ``path``, or None (no file, or its emulator is gone)."""
    try:
        state = json.loads(path.read_text())
        cmdline = Path(f"/proc/{int(state['pid'])}/cmdline").read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if b"mwaa_magic.emulator" in cmdline else None  # else the pid was reused


def _remove_own_state(path: Path) -> None:
    """Remove ``path`` only if this process wrote it: another emulator's state is not ours to delete."""
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def cmd_env(args: argparse.Namespace) -> int:
    state = _read_state(Path(args.state_file))
    if state is None:
        print("No emulator is running: start one with `python -m mwaa_magic.emulator up`.", file=sys.stderr)
        return 1
    from .server import export_lines

    print(export_lines(state["settings"]))
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    path = Path(args.state_file)
    state = _read_state(path)
    if state is None:
        print("No emulator is running.")
        return 0
    os.kill(state["pid"], signal.SIGTERM)
    for _ in range(300):
        if _read_state(path) is None:  # gone (or a zombie: its command line is empty)
            print("MWAA emulator stopped.")
            return 0
        time.sleep(0.1)
    print("The emulator did not stop within 30 s.", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mwaa_magic.emulator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_install = sub.add_parser("install", help="create the Airflow virtual environments (once)")
    p_install.add_argument("--config", help="TOML file describing environments and identities")
    p_install.add_argument(
        "--versions",
        nargs="*",
        help="Airflow releases, e.g. 3.1.8 2.11.0 (with --config: those too); see mwaa_magic/emulator/releases.py",
    )
    p_install.set_defaults(func=cmd_install)
    p_up = sub.add_parser("up", help="start the emulator and print the settings a client needs")
    p_up.add_argument("--config", help="TOML file describing environments and identities (default: the bundled one)")
    p_up.add_argument("--port", type=int, help="control-plane port; 0 makes every port a free one")
    p_up.add_argument("--no-airflow", action="store_true", help="control plane only: no web servers, no Airflow")
    p_up.add_argument("--no-history", action="store_true", help="no runs in the sample DAGs' last days")
    p_up.add_argument(
        "--state-file", default=str(state_file()), help="where `env` and `down` find the running emulator ('' for none)"
    )
    p_up.set_defaults(func=cmd_up)
    for name, func, text in (
        ("env", cmd_env, "print the running emulator's settings"),
        ("down", cmd_down, "stop the running emulator"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--state-file", default=str(state_file()))
        p.set_defaults(func=func)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

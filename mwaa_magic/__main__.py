"""``python -m mwaa_magic doctor ENV [--region R] [--profile P] [--json]``: mwaa_magic in a terminal.

Exit code 0 when every check passed, 1 when one failed, 2 for bad input (checked before any AWS call),
130 for Ctrl-C. Nothing reaches the terminal raw: control characters (ESC...) in what is printed are escaped.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """argparse, with what it repeats of the command line escaped (an unknown option may hold an ESC)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, terminal_text(f"{self.prog}: error: {message}") + "\n")


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="python -m mwaa_magic", description="Amazon MWAA from Jupyter and the terminal.")
    sub = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    doctor = sub.add_parser("doctor", help="check the whole path to an environment step by step, and say what to fix")
    doctor.add_argument("environment", help="MWAA environment name")
    doctor.add_argument("--region", "-r", help="AWS region (default: what boto3 finds)")
    doctor.add_argument("--profile", "-p", help="AWS profile (default: what boto3 finds)")
    doctor.add_argument("--json", action="store_true", help="print the results as JSON")
    return top


INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def terminal_text(text: str) -> str:
    """``text`` with every control character but the line break escaped (``\\x1b``): no escape sequence runs."""
    from .core.text import one_line

    return "\n".join(one_line(line) for line in text.split("\n"))


def json_text(data: object) -> str:
    """JSON with non-printable characters as ``\\uXXXX`` (still valid JSON: they can only be inside strings)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return "".join(ch if ch == "\n" or ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def check_input(environment: str, region: str | None, profile: str | None) -> None:
    """Our error for a name, region or profile that cannot be right, before any AWS call."""
    from .core import errors
    from .core.control_plane import available_profiles
    from .core.text import shorten
    from .core.validation import validate_environment_name, validate_region

    validate_environment_name(environment)
    if region is not None:
        validate_region(region)
    if profile is not None and profile not in available_profiles():
        raise errors.ProfileNotFound(
            f"AWS profile {shorten(repr(profile), 60)} is not in your AWS config; pick one of: "
            f"{', '.join(available_profiles()) or 'none configured'}."
        )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .core.doctor import doctor
    from .core.errors import MwaaError

    try:
        check_input(args.environment, args.region, args.profile)
        diagnosis = doctor(args.environment, args.region, args.profile)
    except MwaaError as exc:
        print(terminal_text(f"{exc.code}: {exc.message}"), file=sys.stderr)
        return 2
    print(json_text(diagnosis.to_json()) if args.json else terminal_text(repr(diagnosis)))
    if not diagnosis.ok:
        print(terminal_text(diagnosis.summary()), file=sys.stderr)
        return 1
    return 0


def run() -> int:
    """:func:`main`, with Ctrl-C as one line and exit code 130 (the checks' threads are daemons: left behind)."""
    try:
        return main()
    except KeyboardInterrupt:
        print("Interrupted: mwaa doctor stopped before every check ran.", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(run())

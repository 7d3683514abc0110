"""``python -m mwaa_magic doctor ENV [--region R] [--profile P] [--json]``: mwaa_magic in a terminal.

Exit code 0 when every check passed, 1 when one failed, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m mwaa_magic", description="Amazon MWAA from Jupyter and the terminal.")
    sub = top.add_subparsers(dest="command", required=True)
    doctor = sub.add_parser("doctor", help="check the whole path to an environment step by step, and say what to fix")
    doctor.add_argument("environment", help="MWAA environment name")
    doctor.add_argument("--region", "-r", help="AWS region (default: what boto3 finds)")
    doctor.add_argument("--profile", "-p", help="AWS profile (default: what boto3 finds)")
    doctor.add_argument("--json", action="store_true", help="print the results as JSON")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .core.doctor import doctor
    from .core.errors import MwaaError

    try:
        diagnosis = doctor(args.environment, args.region, args.profile)
    except MwaaError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 2
    print(json.dumps(diagnosis.to_json(), indent=2, ensure_ascii=False) if args.json else repr(diagnosis))
    if not diagnosis.ok:
        print(diagnosis.summary(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cold ``%mwaa_login demo-airflow3`` vs the AWS user-guide two-step script, 100 ms added per request (goal <= 1.0x).

Both run in fresh processes against the same emulator, with ``control_latency=0.1`` and ``web_latency=0.1``:
- magic: IPython shell + ``%load_ext mwaa_magic`` (not timed), then ``%mwaa_login demo-airflow3`` (timed);
  it imports boto3/httpx on first use, and calls CreateWebLoginToken and GetEnvironment concurrently,
  then POSTs the token to ``/pluginsv2/aws_mwaa/login``.
- script: ``import boto3, requests``; ``boto3.client("mwaa").create_web_login_token(Name=...)``; POST the
  token to ``{web_url}/pluginsv2/aws_mwaa/login``; read the ``_token`` cookie.
Imports are INCLUDED on both sides (the magic's lazy boto3/httpx imports happen inside the timed call; the
script's clock starts before ``import boto3``). Runs alternate; median of N each.

    python bench/cold_login.py [N]
"""

from __future__ import annotations

import sys

from _common import bytecode_env, emulator, ms, run_python, verdict

ENV = "demo-airflow3"
MAGIC = f"""
import time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "mwaa_magic")
started = time.perf_counter()
shell.run_line_magic("mwaa_login", "{ENV}")
elapsed = time.perf_counter() - started
assert shell.user_ns["mwaa"].environment.name == "{ENV}"
print(elapsed)
"""
SCRIPT = f"""
import time
started = time.perf_counter()
import boto3
import requests
token = boto3.client("mwaa").create_web_login_token(Name="{ENV}")
response = requests.post("{{web_url}}/pluginsv2/aws_mwaa/login", data={{{{"token": token["WebToken"]}}}},
                         allow_redirects=False, timeout=10)
jwt = response.cookies["_token"]
elapsed = time.perf_counter() - started
assert jwt.count(".") == 2
print(elapsed)
"""


def main(n: int = 7) -> None:
    with emulator() as running:
        env = bytecode_env()
        script = SCRIPT.format(web_url=running.environment(ENV)["web_url"])
        run_python(MAGIC, env), run_python(script, env)  # warm bytecode and file caches, no latency yet
        running.admin.set(control_latency=0.1, web_latency=0.1)
        magic, guide = [], []
        for _ in range(n):
            before = running.admin.calls()
            magic.append(float(run_python(MAGIC, env)[2].strip().splitlines()[-1]))
            magic_calls = {k: v - before.get(k, 0) for k, v in running.admin.calls().items() if v != before.get(k, 0)}
            guide.append(float(run_python(script, env)[2].strip().splitlines()[-1]))
        print(f"cold login to {ENV}, 100 ms added per control-plane and web request, imports included on both sides")
        print(
            f"  %mwaa_login (magic only; GetEnvironment || CreateWebLoginToken, then POST): median {ms(magic):6.0f} ms"
            f"  (runs: {', '.join(f'{t * 1000:.0f}' for t in magic)})"
        )
        print(
            f"  user-guide script (boto3 CreateWebLoginToken, then requests POST):          median {ms(guide):6.0f} ms"
            f"  (runs: {', '.join(f'{t * 1000:.0f}' for t in guide)})"
        )
        print(f"  control-plane calls of one %mwaa_login: {magic_calls}")
        ratio = ms(magic) / ms(guide)
        print(f"  ratio magic / script: {ratio:.2f}x  (goal <= 1.0x: {verdict(ratio <= 1.0)})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)

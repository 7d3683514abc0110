"""``%load_ext mwaa_magic`` overhead over a bare IPython shell start (goal <= 10 ms).

Runs N fresh interpreters of each kind, interleaved: ``import IPython`` + ``InteractiveShell.instance()``,
and the same plus ``%load_ext mwaa_magic``. Prints the median wall and CPU time of each process, their
differences, the median in-process time of the ``load_ext`` call alone, and checks that nothing heavy
(boto3, botocore, httpx, ipywidgets, tornado) was imported. No emulator needed: nothing here may
touch the network. The children use compiled bytecode as an installed wheel would (a temporary
PYTHONPYCACHEPREFIX, warmed once), even when PYTHONDONTWRITEBYTECODE is set here.

    python bench/load_ext.py [N]
"""

from __future__ import annotations

import json
import os
import sys

from _common import HEAVY, bytecode_env, ms, run_python, verdict

SHELL = "import IPython\nfrom IPython.core.interactiveshell import InteractiveShell\nshell = InteractiveShell.instance()\n"
LOAD = (
    SHELL + "import time, sys, json\nt = time.perf_counter()\nshell.run_line_magic('load_ext', 'mwaa_magic')\n"
    f"print(json.dumps({{'load_ext': time.perf_counter() - t, 'heavy': [m for m in {HEAVY!r} if m in sys.modules]}}))\n"
)


def main(n: int = 20) -> None:
    env = bytecode_env()
    run_python(LOAD, env)  # compile and cache every module once, warm the OS file cache
    bare_wall, bare_cpu, wall, cpu, inside, heavy = [], [], [], [], [], set()
    for _ in range(n):
        w, c, _ = run_python(SHELL, env)
        bare_wall.append(w)
        bare_cpu.append(c)
        w, c, out = run_python(LOAD, env)
        wall.append(w)
        cpu.append(c)
        result = json.loads(out.strip().splitlines()[-1])
        inside.append(result["load_ext"])
        heavy.update(result["heavy"])
    print(
        f"{n} fresh processes of each kind, interleaved (python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f})"
    )
    print("                                  wall median   CPU median")
    print(f"  IPython shell start:              {ms(bare_wall):7.1f} ms   {ms(bare_cpu):7.1f} ms")
    print(f"  IPython shell start + load_ext:   {ms(wall):7.1f} ms   {ms(cpu):7.1f} ms")
    print(f"  difference:                       {ms(wall) - ms(bare_wall):7.1f} ms   {ms(cpu) - ms(bare_cpu):7.1f} ms")
    print(
        f"  load_ext call alone, in-process: median {ms(inside):.1f} ms, best {min(inside) * 1000:.1f} ms "
        f"(goal <= 10 ms: {verdict(ms(inside) <= 10)})"
    )
    print(
        f"  heavy modules after load_ext: {sorted(heavy) or 'none'} "
        f"({'OK' if not heavy else 'FAIL'}: {', '.join(HEAVY)} must not load)"
    )
    assert not heavy, heavy


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

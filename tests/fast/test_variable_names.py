"""``-o VAR`` and ``--as VAR``: names that would break the kernel are refused in one line, before any call
(issue 17 #13). Rule: a plain variable name, not a keyword, not Python's or IPython's own (builtins,
dunders, In/Out/_/_iN/_N, get_ipython, exit, quit)."""

from __future__ import annotations

import pytest
from cells import assert_one_line, run

from mwaa_magic.kernel import subcommands
from mwaa_magic.kernel.parsing import variable_name

BAD = ["__builtins__", "def", "None", "True", "lambda", "In", "Out", "get_ipython", "exit", "quit", "_", "__", "___"]
BAD += ["_i", "_ii", "_i3", "_7", "_oh", "__name__", "__foo__", "print", "open", "type", "2x", "a-b"]
# every cell that stores into a variable: the subcommands that take -o, %%mwaa_cli, %%mwaa_dag, %mwaa_login --as
ARGS = {"runs": "etl", "trigger": "etl", "wait": "etl r1", "logs": "etl r1 t1", "deploy": "x.py", "undeploy": "x.py"}
ARGS["doctor"] = "fast3"
ARGS["check"], ARGS["test"] = "x.py --version 2.10.3", "etl --version 2.10.3"
CELLS = [
    "%mwaa cli -o {name} dags list" if s.name == "cli" else f"%mwaa {s.name} {ARGS.get(s.name, '')} -o {{name}}"
    for s in subcommands.SUBCOMMANDS
    if s.output
]
CELLS += ["%%mwaa_cli -o {name}\ndags list", "%%mwaa_dag -o {name}\nx = 1", "%mwaa_login fast3 --as {name}"]


def refused(shell, aws, stub, cell: str, name: str) -> None:
    """The cell fails in one line naming ``name``, makes no call, binds nothing, and the kernel still works."""
    before, requests = sum(aws.admin.calls().values()), len(stub.state.requests)
    namespace = dict(shell.user_ns)
    result, out = run(shell, cell.format(name=name))
    assert_one_line(result, out, f"{name[:40]!r}")
    assert sum(aws.admin.calls().values()) == before and len(stub.state.requests) == requests  # no call
    assert shell.user_ns.get(name, "unset") is namespace.get(name, "unset")
    assert run(shell, "1 + 1")[0].success


@pytest.mark.parametrize("name", BAD)
def test_names_that_would_break_the_kernel_are_refused(shell, aws, stub, name):
    refused(shell, aws, stub, "%mwaa sessions -o {name}", name)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("name", ["__builtins__", "def", "Out"])
def test_every_cell_that_binds_a_variable_checks_its_name(shell, aws, stub, cell, name):
    assert run(shell, "%mwaa_login fast3")[0].success
    refused(shell, aws, stub, cell, name)


def test_the_default_variable_setting_is_checked_too(shell):
    from mwaa_magic.kernel.magics import MwaaMagics

    magics = next(m for m in shell.configurables if isinstance(m, MwaaMagics))
    with pytest.raises(Exception, match="keyword"):
        magics.variable = "None"
    assert magics.variable == "mwaa"


@pytest.mark.parametrize("name", ["runs", "my_run", "match", "case", "_private", "Ünïcode", "x1"])
def test_plain_names_are_accepted(name):
    assert variable_name(name) == name

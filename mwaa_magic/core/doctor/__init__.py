"""``doctor``: check the whole path to an environment, step by step, and say what to fix.

Credentials, identity (STS), clock, region, GetEnvironment, the Airflow version's support (AWS's
end-of-support dates, core/support.py), the three token permissions, the web server's address (how chosen,
DNS, TCP, TLS), the web login, a REST call and the CLI. A failed check makes the checks
that need it "skipped" (with the reason), not the others. No token, cookie or JWT ever goes into a row.

The modules, each with one job: :mod:`.table` (the one table of checks), :mod:`.aws_checks` and
:mod:`.web_checks` (their functions), :mod:`.probes` (DNS, TCP, TLS), :mod:`.state` (what a run's checks
share), :mod:`.runner` (threads and time limits), :mod:`.diagnosis` (the result), :mod:`.outcome` (a row's
status and the marks).
"""

from __future__ import annotations

from .diagnosis import Diagnosis, DoctorFailed
from .outcome import MARKS, Outcome
from .runner import BUDGET, DoctorRun, doctor
from .table import CHECKS, Check, with_timeouts

__all__ = ["BUDGET", "CHECKS", "MARKS", "Check", "Diagnosis", "DoctorFailed", "DoctorRun", "Outcome", "doctor", "with_timeouts"]

"""Environment details are cached for a bounded time and never while not AVAILABLE (issue 10 #5)."""

from __future__ import annotations

import time

from cells import run

from mwaa_magic.core.environment import Environment


def test_an_environment_that_becomes_available_can_be_logged_in_to(shell, aws):
    aws.admin.set_status("fast3", "UPDATING")
    result, out = run(shell, "%mwaa_login fast3")
    assert not result.success and "UPDATING" in out
    aws.admin.set_status("fast3", "AVAILABLE")
    result, out = run(shell, "%mwaa_login fast3")
    assert result.success, out


def test_details_are_reused_for_a_bounded_time_only(aws):
    env = Environment("fast3", details_lifetime=0.3)
    calls = lambda: aws.admin.calls().get("GetEnvironment", 0)  # noqa: E731
    env.details()
    env.details()
    assert calls() == 1
    time.sleep(0.4)
    env.details()
    assert calls() == 2
    assert Environment("fast3", details_lifetime=3600).details_lifetime == 60  # never more than 60 s


def test_a_status_other_than_available_is_never_cached(aws):
    aws.admin.set_status("fast3", "UPDATING")
    env = Environment("fast3")
    assert env.details().status == "UPDATING"
    aws.admin.set_status("fast3", "AVAILABLE")
    assert env.details().status == "AVAILABLE"


def test_the_pickers_refresh_reads_the_status_again(aws):
    from mwaa_magic.kernel.picker import EnvironmentPicker

    picker = EnvironmentPicker(region="us-east-1")
    assert picker.wait(30) and picker.environments["fast3"].status == "AVAILABLE"
    aws.admin.set_status("fast3", "UPDATING")
    picker.refresh()
    assert picker.wait(30) and picker.environments["fast3"].status == "UPDATING"

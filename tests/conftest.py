"""Shared fixtures: the local MWAA emulator (real Airflow) from mwaa_magic's own pytest plugin."""

pytest_plugins = ["mwaa_magic.emulator.pytest_plugin"]

"""The local gate: what MWAA would say, said here in seconds (see docs/local-gate.md and docs/requirements.md)."""

"""The local gate: what MWAA would say about DAG code, said here in seconds, by the Airflow release the
environment runs (the emulator's install of it, in its own venv; never the emulator's running environments).

:mod:`.parse` (Airflow's DagBag import, the parse gate), :mod:`.dagtest` (``airflow dags test``), :mod:`.inputs`
(variables and connections for a test), :mod:`.release` (find or install the release), :mod:`.deploy` (the gate
before a deploy). The core reaches it only from inside functions; the faces call it directly."""

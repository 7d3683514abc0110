"""Run by the release venv's Python (never imported by mwaa_magic): Airflow's own DagBag import of the paths in
argv[2:], the result as JSON in the file argv[1] (DAG ids per file, import errors with Airflow's traceback)."""

import json
import os
import sys
import time


def main() -> None:
    started = time.monotonic()
    out, paths = sys.argv[1], sys.argv[2:]
    folder = os.environ.get("AIRFLOW__CORE__DAGS_FOLDER")
    if folder and folder not in sys.path:  # as Airflow's DAG processor does (2.x: the DAG folder; 3.x: the bundle's)
        sys.path.append(folder)
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3.2 and later
    except ImportError:
        from airflow.models.dagbag import DagBag
    imported = time.monotonic()
    files: dict = {}
    errors: dict = {}
    for path in paths:
        bag = DagBag(dag_folder=path, collect_dags=False)  # examples: off (AIRFLOW__CORE__LOAD_EXAMPLES)
        bag.collect_dags(dag_folder=path, only_if_updated=False)
        for dag_id, dag in bag.dags.items():
            files.setdefault(os.path.realpath(dag.fileloc), []).append(dag_id)
        for where, trace in bag.import_errors.items():
            errors[os.path.realpath(os.path.join(path, where) if not os.path.isabs(where) else where)] = trace
        for where in getattr(bag, "file_last_changed", {}):
            files.setdefault(os.path.realpath(str(where)), [])
    result = {
        "files": {k: sorted(v) for k, v in files.items()},
        "errors": errors,
        "import_seconds": round(imported - started, 3),
        "parse_seconds": round(time.monotonic() - imported, 3),
    }
    with open(out, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()

"""The DAG development loop: check DAG files here (:mod:`.sources`), put them in the environment's S3 DAG folder
(:mod:`.folder`), wait until Airflow has parsed this version or show its import error, trigger (:mod:`.loop`);
requirements and plugins (:mod:`.requirements`); the options of a deploy, checked once (:mod:`.options`)."""

from .folder import DagFolder
from .loop import DagLoop, file_of
from .names import check_batch, check_name
from .options import DeployOptions, check_seconds
from .requirements import requirements
from .sources import DagSource, dag_source, deploy_input, find_dag_ids, source_name, sources_from_paths

__all__ = [
    "DagFolder",
    "DagLoop",
    "DagSource",
    "DeployOptions",
    "check_batch",
    "check_name",
    "check_seconds",
    "dag_source",
    "deploy_input",
    "file_of",
    "find_dag_ids",
    "requirements",
    "source_name",
    "sources_from_paths",
]

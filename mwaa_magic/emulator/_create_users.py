"""Run by an Airflow 2 venv's python at install (``python _create_users.py`` with JSON on stdin:
``{"admin": ["Admin", "password"], ...}``): what ``airflow sync-perm`` and one ``airflow users create`` per
user do, in one process instead of five."""

import json
import sys

from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
from airflow.providers_manager import ProvidersManager

ProvidersManager().initialize_providers_configuration()  # as the CLI's commands do first
users = json.load(sys.stdin)
with get_application_builder() as appbuilder:
    appbuilder.add_permissions(update_perms=True)  # sync-perm: the views' permissions...
    appbuilder.sm.sync_roles()  # ... and the Op, User, Viewer roles
    for name, (role, password) in users.items():
        if not appbuilder.sm.find_user(name):
            found = appbuilder.sm.find_role(role)
            if not found or not appbuilder.sm.add_user(name, role, "User", f"{name}@example.com", found, password):
                raise SystemExit(f"could not create user {name} with role {role}")
print(f"created {len(users)} users")

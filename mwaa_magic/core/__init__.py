"""The core: environments, sessions, transports, web login, CLI, errors. Nothing here imports IPython,
ipywidgets or tornado, and nothing imports boto3 or httpx before it is used.

Flow: a face (magic, picker, server route) -> :class:`~.environment.Environment` (control plane, web
server, flavour) -> :class:`~.session.AirflowSession` (transports, re-login, typed helpers).
"""

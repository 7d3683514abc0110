"""Hand a logged-in session to the official ``apache-airflow-client`` (optional extra ``mwaa_magic[client]``)."""

from __future__ import annotations

from . import errors


def api_client(session):
    """A configured ``airflow_client.client.ApiClient`` that uses the session's login.

    Airflow 3 (REST API v2) needs apache-airflow-client 3.0.x (MWAA runs 3.0.6); Airflow 2 (v1) needs 2.x.
    The client holds the credential of the current login: after the session is renewed, call this again.
    """
    try:
        import airflow_client.client as client
    except ImportError:
        raise errors.MwaaError("apache-airflow-client is not installed: pip install 'mwaa_magic[client]'.") from None
    transport = session._transport
    credential = getattr(transport, "_credential", None)
    if credential is None:
        raise errors.MwaaError(
            "api_client() needs a web-token session: log in with %mwaa_login ENV --transport token."
        )
    client_major = int(client.__version__.split(".")[0])
    if client_major != (3 if session.major >= 3 else 2):
        wanted = "apache-airflow-client>=3.0.2,<3.1" if session.major >= 3 else "apache-airflow-client<3"
        raise errors.MwaaError(
            f"{session.environment} runs Airflow {session.major}, but apache-airflow-client {client.__version__} "
            f"is installed: pip install '{wanted}'."
        )
    if session.major >= 3:
        config = client.Configuration(host=transport.base_url, access_token=credential.value.reveal())
        return client.ApiClient(config)
    config = client.Configuration(host=f"{transport.base_url}/api/v1")
    return client.ApiClient(config, cookie=f"session={credential.value.reveal()}")

"""Hand a logged-in session to the official ``apache-airflow-client`` (optional extra ``mwaa_magic[client]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from . import errors

if TYPE_CHECKING:
    from .environment import Environment
    from .flavours import Flavour
    from .weblogin import Credential


class LoggedIn(Protocol):
    """What :func:`api_client` needs of a session (an :class:`~.session.AirflowSession` is one)."""

    environment: Environment

    @property
    def flavour(self) -> Flavour: ...

    def web_credential(self) -> tuple[str, Credential] | None: ...


def api_client(session: LoggedIn) -> Any:
    """A configured ``airflow_client.client.ApiClient`` that uses the session's login.

    The client must speak the session's API (the flavour table names the release range). The client holds
    the credential of the current login: after the session is renewed, call this again.
    """
    try:
        import airflow_client.client as client
    except ImportError:
        raise errors.MwaaError("apache-airflow-client is not installed: pip install 'mwaa_magic[client]'.") from None
    web = session.web_credential()
    if web is None:
        raise errors.MwaaError("api_client() needs a web-token session: log in with %mwaa_login ENV --transport token.")
    base_url, credential = web
    flavour = session.flavour
    if int(client.__version__.split(".")[0]) != flavour.client_major:
        raise errors.MwaaError(
            f"{session.environment.name} runs Airflow {flavour.major}, but apache-airflow-client {client.__version__} "
            f"is installed: pip install '{flavour.client_requirement}'."
        )
    if flavour.credential_sent_as == "bearer":
        return client.ApiClient(client.Configuration(host=base_url, access_token=credential.value.reveal()))
    config = client.Configuration(host=f"{base_url}{flavour.api_root}")
    return client.ApiClient(config, cookie=f"{flavour.credential_cookie}={credential.value.reveal()}")

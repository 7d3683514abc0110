"""The only place the server extension calls mwaa_magic's core (blocking: the routes run these off the IOLoop).

Every call takes the server's :class:`~.config.MwaaMagicServer` settings; a request chooses at most the
environment, region and profile, already checked by the routes.
"""

from __future__ import annotations

from ..core import control_plane as control
from ..core import validation
from ..core.environment import Environment
from .config import MwaaMagicServer


def _plane(settings: MwaaMagicServer, profile: str | None, region: str | None) -> control.ControlPlane:
    return control.control_plane(profile or settings.profile, region or settings.region)


def validate_environment_name(name: str) -> str:
    return validation.validate_environment_name(name)


def login_url(settings: MwaaMagicServer, environment: str, region: str | None, profile: str | None) -> str:
    """Mint a web login token now; the console-SSO link at the configured web-server address."""
    return Environment(environment, plane=_plane(settings, profile, region), webserver_urls=settings.webserver_urls).console_url()


def environments(settings: MwaaMagicServer, region: str | None, profile: str | None) -> dict[str, object]:
    plane = _plane(settings, profile, region)
    envs = plane.list_environments()
    return {
        "profile": plane.profile,
        "region": plane.region,
        "environments": [env.to_json() for env in sorted(envs, key=lambda e: e.name)],
    }


def environment(settings: MwaaMagicServer, name: str, region: str | None, profile: str | None) -> dict[str, object]:
    info = _plane(settings, profile, region).get_environment(name)
    return info.to_json() | {"arn": info.arn}


def doctor(settings: MwaaMagicServer, name: str, region: str | None, profile: str | None) -> dict[str, object]:
    """``%mwaa doctor``'s results as data (no secret in them); takes up to 30 s."""
    from ..core.doctor import doctor as run_doctor

    diagnosis = run_doctor(name, region or settings.region, profile or settings.profile, settings.webserver_urls)
    return diagnosis.to_json()


def picker_config(settings: MwaaMagicServer) -> dict[str, object]:
    profile = settings.profile or control.default_profile()
    return {
        "profiles": control.available_profiles(),
        "default_profile": profile,
        "regions": control.mwaa_regions(),
        "default_region": settings.region or control.default_region(profile),
    }

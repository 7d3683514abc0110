"""One definition of the settings the kernel (``%config MwaaMagics``) and the server (``c.MwaaMagicServer``)
share: region, profile, web-server address, with one help text and one check (issue 18 #9)."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from mwaa_magic.kernel.magics import MwaaMagics
from mwaa_magic.server.config import MwaaMagicServer
from mwaa_magic.settings_traits import SHARED, SharedSettings

FACES = [MwaaMagics, MwaaMagicServer]


@pytest.mark.parametrize("face", FACES)
def test_both_faces_take_the_shared_settings_from_one_place(face):
    assert issubclass(face, SharedSettings)
    for name in SHARED:
        assert name not in vars(face), f"{face.__name__} declares {name} again"
        trait = face.class_traits()[name]
        assert trait.metadata.get("config") and trait.help == SharedSettings.class_traits()[name].help


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize(("name", "value"), [("region", "Europe"), ("profile", "a b"), ("webserver_urls", "ftp://x")])
def test_both_faces_refuse_a_bad_setting_naming_themselves(face, name, value):
    with pytest.raises(TraitError, match=f"{face.__name__}.{name}"):
        face(**{name: value})


def test_the_kernel_setting_is_read_by_the_magics(shell):
    shell.run_line_magic("config", "MwaaMagics.region = 'eu-west-1'")
    magics = next(m for m in shell.configurables if isinstance(m, MwaaMagics))
    try:
        assert magics.region == "eu-west-1"
    finally:
        magics.region = None

"""negpersona: find, explain and apply negative personas.

>>> from negpersona import discover
>>> result = discover("leads.csv", target="converted")   # doctest: +SKIP
>>> [p.name for p in result.personas]                    # doctest: +SKIP
>>> result.write("out/")                                 # doctest: +SKIP
>>> from negpersona import Personas
>>> Personas.load("out/").match("new_leads.csv").to_pandas()   # doctest: +SKIP
"""

from typing import Any

from negpersona.config.spec import Spec, load_spec
from negpersona.errors import ConfigError, DataError, NegPersonaError
from negpersona.model.conditions import Condition
from negpersona.model.persona import DiscoveryResult, Persona

_LAZY = {"discover": "negpersona.discovery", "Personas": "negpersona.apply.personas"}


def __getattr__(name: str) -> Any:
    """``discover`` and ``Personas`` load on first use (they pull in the statistics stack)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'negpersona' has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = [
    "Condition",
    "ConfigError",
    "DataError",
    "DiscoveryResult",
    "NegPersonaError",
    "Persona",
    "Personas",
    "Spec",
    "discover",
    "load_spec",
]

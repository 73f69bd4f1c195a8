"""negpersona: find, explain and apply negative personas.

>>> from negpersona import discover
>>> result = discover("leads.csv", target="converted")   # doctest: +SKIP
>>> [p.name for p in result.personas]                    # doctest: +SKIP
>>> result.write("out/")                                 # doctest: +SKIP
>>> from negpersona import Personas
>>> Personas.load("out/").match("new_leads.csv").to_pandas()   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from negpersona.errors import ConfigError, DataError, NegPersonaError
from negpersona.model.lazy import lazy_exports

if TYPE_CHECKING:
    from negpersona.apply.personas import Personas
    from negpersona.config.spec import Spec, load_spec
    from negpersona.discovery import discover
    from negpersona.model.conditions import Condition
    from negpersona.model.persona import DiscoveryResult, Persona

# Every public name but the errors loads on first use: the command line imports this package, and
# `negpersona --help` or scoring one lead should not wait for pandas, Ibis and the statistics stack.
_LAZY = {
    "Condition": "negpersona.model.conditions",
    "DiscoveryResult": "negpersona.model.persona",
    "Persona": "negpersona.model.persona",
    "Personas": "negpersona.apply.personas",
    "Spec": "negpersona.config.spec",
    "discover": "negpersona.discovery",
    "load_spec": "negpersona.config.spec",
}


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)

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

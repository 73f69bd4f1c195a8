"""negpersona: find, explain and apply negative personas.

>>> from negpersona import discover
>>> result = discover("leads.csv", target="converted")   # doctest: +SKIP
>>> [p.name for p in result.personas]                    # doctest: +SKIP
>>> result.write("out/")                                 # doctest: +SKIP
>>> from negpersona import Personas
>>> Personas.load("out/").match("new_leads.csv").to_pandas()   # doctest: +SKIP
"""

from negpersona.conditions import Condition
from negpersona.discovery import discover
from negpersona.errors import ConfigError, DataError, NegPersonaError
from negpersona.persona import DiscoveryResult, Persona
from negpersona.personaset import Personas
from negpersona.spec import Spec, load_spec

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

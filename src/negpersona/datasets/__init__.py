"""Built-in data: the seeded demo generator, one module per table.

``leads`` generates the primary table (50,000 B2B SaaS leads by default) with planted negative
segments (``segments``) and look-alikes that must not be confirmed; ``demo_tables`` adds the
related tables — the engagement event log (``events``), the churn survey (``churn_survey``) and
won/lost deals with loss reasons (``deals``) — whose free text comes from ``texts`` and whose
behaviour follows the hidden persona of each lead (``personas``). Every table is a pure function
of ``(n, seed)``.

All names and descriptions describe *fit* with the product, never the worth of a lead.
"""

from negpersona.datasets.demo_tables import DemoTables, PlantedProblem, generate_demo_tables
from negpersona.datasets.events import EVENT_TYPES
from negpersona.datasets.leads import generate_leads
from negpersona.datasets.personas import COMPETITORS
from negpersona.datasets.segments import PLANTED_SEGMENTS, RED_HERRINGS, PlantedSegment

__all__ = [
    "COMPETITORS",
    "EVENT_TYPES",
    "PLANTED_SEGMENTS",
    "RED_HERRINGS",
    "DemoTables",
    "PlantedProblem",
    "PlantedSegment",
    "generate_demo_tables",
    "generate_leads",
]

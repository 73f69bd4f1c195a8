"""The discovery pipeline: composes data, audit, search, explain and the policy choice.

:func:`discover` is the whole run (``pipeline.py``); :func:`prepare` the engine work before the
search (``prepare.py``); :func:`read_data` + :func:`audit_data` the head that the ``audit``
command shares with discovery.
"""

from negpersona.discovery.pipeline import discover
from negpersona.discovery.prepare import (
    AuditFailed,
    Loaded,
    Prepared,
    Progress,
    audit_data,
    prepare,
    read_data,
)

__all__ = [
    "AuditFailed",
    "Loaded",
    "Prepared",
    "Progress",
    "audit_data",
    "discover",
    "prepare",
    "read_data",
]

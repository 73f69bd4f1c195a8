"""Keep personas honest over time: re-checks on new batches, run history, review dates.

* :func:`recheck` — each persona on a new batch: size, rate, holdout read-out, drift, movers,
  status and action (:mod:`~negpersona.monitor.status`), plus new candidates;
* :mod:`~negpersona.monitor.history` — ``history.duckdb``: every discover, policy and recheck;
* :mod:`~negpersona.monitor.review` — pausing and resuming exclusions, ``review_by`` dates.

Example::

    from negpersona.monitor import recheck

    result = recheck("out/", "new_leads.csv")
    for item in result.personas:
        print(item["name"], item["verdict"]["status"], item["verdict"]["action"])
    result.commit("out/recheck-2027-01/")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from negpersona.model.lazy import lazy_exports

if TYPE_CHECKING:
    from negpersona.monitor.history import read_history, record
    from negpersona.monitor.recheck import RecheckResult, recheck
    from negpersona.monitor.review import overdue, pause, resume
    from negpersona.monitor.status import ACTIONS, STATUSES

__getattr__, __dir__ = lazy_exports(
    __name__,
    globals(),
    {
        "ACTIONS": "negpersona.monitor.status",
        "STATUSES": "negpersona.monitor.status",
        "RecheckResult": "negpersona.monitor.recheck",
        "recheck": "negpersona.monitor.recheck",
        "read_history": "negpersona.monitor.history",
        "record": "negpersona.monitor.history",
        "overdue": "negpersona.monitor.review",
        "pause": "negpersona.monitor.review",
        "resume": "negpersona.monitor.review",
    },
)

__all__ = [
    "ACTIONS",
    "STATUSES",
    "RecheckResult",
    "overdue",
    "pause",
    "read_history",
    "recheck",
    "record",
    "resume",
]

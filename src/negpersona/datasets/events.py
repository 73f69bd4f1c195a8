"""The engagement event log of the demo tables: many rows per lead."""

from __future__ import annotations

import numpy as np
import pandas as pd

from negpersona.datasets.common import _days, _text

EVENT_TYPES: tuple[str, ...] = (
    "page_view",
    "content_download",
    "webinar_attended",
    "email_open",
    "email_click",
    "pricing_page_view",
    "demo_request",
)
"""Event types of :attr:`DemoTables.events`, in the order the generator draws them."""


def _events_table(
    rng: np.random.Generator,
    base: pd.DataFrame,
    end: np.datetime64,
    would_convert: np.ndarray,
    would_convert_at: np.ndarray,
) -> pd.DataFrame:
    """Engagement event log, fully vectorized (one ``np.repeat`` over per-lead counts).

    Counts per lead: ``page_view`` = ``pages_viewed`` (Poisson(7) where that is missing);
    ``content_download`` = ``content_downloads``, at least 1 for content-download leads
    (the gated download that created the lead, logged at ``created_at``); ``webinar_attended``
    = Poisson(0.12), plus 1 for webinar leads; ``email_open`` = Poisson(1.5 + 0.35 pages);
    ``email_click`` = Binomial(opens, 0.18, or 0.30 for leads that convert);
    ``pricing_page_view`` = Poisson(0.2 + 0.3 demo + 0.6 converts); ``demo_request`` = 1 for
    leads with ``demo_requested`` (2 for a quarter of those that convert), else 0, so
    content-download leads without a demo request have no ``demo_request`` event. Times
    follow a truncated exponential (scale 21 days) after ``created_at``, up to the data
    end; pricing views and demo requests of leads that convert happen before conversion.
    """
    n = len(base)
    created = base["created_at"].to_numpy().astype("datetime64[ns]")
    pages = base["pages_viewed"]
    pages_missing = pages.isna().to_numpy()
    pages_filled = np.where(
        pages_missing, rng.poisson(7.0, n), pages.fillna(0).to_numpy(dtype=np.int64)
    )
    source = base["lead_source"].to_numpy(dtype=object)
    is_content = source == "content download"
    demo = base["demo_requested"].to_numpy(dtype=bool)

    counts = np.empty((n, len(EVENT_TYPES)), dtype=np.int64)
    counts[:, 0] = pages_filled
    counts[:, 1] = np.maximum(base["content_downloads"].to_numpy(), is_content)
    counts[:, 2] = rng.poisson(0.12, n) + (source == "webinar")
    opens = rng.poisson(1.5 + 0.35 * pages_filled)
    counts[:, 3] = opens
    counts[:, 4] = rng.binomial(opens, np.where(would_convert, 0.30, 0.18))
    counts[:, 5] = rng.poisson(0.2 + 0.3 * demo + 0.6 * would_convert)
    counts[:, 6] = demo * (1 + (would_convert & (rng.random(n) < 0.25)))

    flat = counts.ravel()
    lead_idx = np.repeat(np.repeat(np.arange(n), len(EVENT_TYPES)), flat)
    type_idx = np.repeat(np.tile(np.arange(len(EVENT_TYPES)), n), flat)

    created_ns = created.view(np.int64)
    end_ns = np.int64(end.astype("datetime64[ns]").view(np.int64))
    converts_at = np.where(would_convert, would_convert_at.view(np.int64), end_ns)
    before_conversion = (type_idx >= 5) & would_convert[lead_idx]
    event_bound = np.where(before_conversion, np.minimum(converts_at, end_ns)[lead_idx], end_ns)
    span_days = (event_bound - created_ns[lead_idx]) / 86_400e9
    scale = 21.0
    u = rng.random(len(lead_idx))
    offset_days = -scale * np.log1p(-u * (1.0 - np.exp(-span_days / scale)))
    # The gated download that created a content-download lead happens at created_at.
    block_start = np.cumsum(flat) - flat
    form_fill = block_start.reshape(n, len(EVENT_TYPES))[is_content, 1]
    offset_days[form_fill] = 0.0
    occurred = created[lead_idx] + _days(offset_days)

    order = np.lexsort((type_idx, lead_idx, occurred.view(np.int64)))
    lead_ids = base["lead_id"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "lead_id": _text(lead_ids[lead_idx[order]]),
            "event_type": _text(np.array(EVENT_TYPES, dtype=object)[type_idx[order]]),
            "occurred_at": occurred[order],
        }
    )

"""The answer key of the demo lead table: planted segments and look-alike red herrings.

:func:`negpersona.datasets.leads.generate_leads` builds these segments into the data;
tests select their members with :meth:`PlantedSegment.members` instead of re-deriving the
generator's logic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PlantedSegment:
    """A segment built into the demo data, with the reason it is there.

    ``query`` is a :meth:`pandas.DataFrame.query` string (valid with ``engine="python"``)
    that selects the segment's members, so tests can measure it without re-deriving the
    generator's logic. ``kind`` is ``"negative"`` for segments a correct discovery must
    find and ``"red_herring"`` for look-alikes it must not confirm.
    """

    name: str
    description: str
    query: str
    kind: str

    def members(self, df: pd.DataFrame) -> pd.Series:
        """Boolean mask of the rows of ``df`` that belong to this segment."""
        mask = df.eval(self.query, engine="python")
        return pd.Series(np.asarray(mask, dtype=bool), index=df.index, name=self.name)


PLANTED_SEGMENTS: list[PlantedSegment] = [
    PlantedSegment(
        name="education_email",
        description=(
            "Leads with an education email domain are mostly students and researchers "
            "exploring the product for coursework or study; they rarely hold a purchasing "
            "mandate, so they convert at about 1% regardless of other attributes."
        ),
        query="email_domain_type == 'education'",
        kind="negative",
    ),
    PlantedSegment(
        name="content_download_without_demo",
        description=(
            "Leads that arrive through a content download and never request a demo are "
            "researching a topic rather than evaluating a purchase; they convert at about "
            "1.5%. Content-download leads that do request a demo convert normally, so the "
            "conjunction, not the lead source alone, is the segment."
        ),
        query="lead_source == 'content download' and demo_requested == False",
        kind="negative",
    ),
    PlantedSegment(
        name="micro_company_no_budget",
        description=(
            "Companies with fewer than 10 employees that report no budget are outside the "
            "product's price range for now; they convert at about 1%. The generator draws "
            "micro-companies (1-9 employees) from their own component, so 10 employees is "
            "a real boundary in the data."
        ),
        query="company_size < 10 and budget_band == 'none'",
        kind="negative",
    ),
]

RED_HERRINGS: list[PlantedSegment] = [
    PlantedSegment(
        name="retail_2024_drift",
        description=(
            "Retail leads converted at about a quarter of their usual rate throughout 2024 "
            "(a point-of-sale integration retail buyers expect was not yet available) and "
            "at their usual rate from 2025-01-01 on. The segment looks negative in the "
            "early discovery window, but it is not negative in the latest 30% of time, so "
            "out-of-time confirmation must reject it."
        ),
        query="industry == 'retail'",
        kind="red_herring",
    ),
    PlantedSegment(
        name="tiny_country_no_conversions",
        description=(
            "Leads from Iceland (about 0.15% of rows, no local billing entity yet) never "
            "convert. The rate is extreme but the support is far below any sensible "
            "minimum segment size, so it must be filtered out, not reported."
        ),
        query="country == 'IS'",
        kind="red_herring",
    ),
    PlantedSegment(
        name="utm_campaign_noise",
        description=(
            "utm_campaign has 300 codes drawn independently of every other column and of "
            "the outcome; the query selects the long tail (cmp-0150 to cmp-0299, each "
            "well under 0.2% of rows) where small cells look extreme by chance. A correct "
            "discovery confirms no persona conditioned on utm_campaign."
        ),
        query="utm_campaign >= 'cmp-0150'",
        kind="red_herring",
    ),
]

"""The engine layer: one holdout hash for Python and Ibis, and capabilities by engine name."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from negpersona.engine.capabilities import capabilities
from negpersona.engine.hashing import holdout_flag, is_holdout
from negpersona.errors import ConfigError


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.5, 1.0])
def test_the_ibis_holdout_holds_out_the_same_records_as_python(fraction) -> None:
    ids = [*range(2000), None]
    frame = pd.DataFrame({"id": pd.array(ids, dtype="Int64")})
    table = ibis.duckdb.connect().create_table("t", frame)
    flags = table.mutate(h=holdout_flag(table["id"], fraction, "salt")).to_pandas()
    expected = [is_holdout(i, fraction, "salt") if i is not None else fraction >= 1 for i in ids]
    assert flags["h"].tolist() == expected
    if 0 < fraction < 1:
        assert abs(sum(expected) / len(ids) - fraction) < 0.04


def test_a_holdout_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="fraction from 0 to 1"):
        holdout_flag(ibis.literal(1), 1.5, "salt")


def test_capabilities_by_engine() -> None:
    assert capabilities("duckdb").exact_quantiles and capabilities("duckdb").sha256
    assert not capabilities("sqlite").sha256
    assert not capabilities("bigquery").exact_quantiles

"""Related tables: one-to-one joins and event aggregation against pandas answers, errors, roles."""

from __future__ import annotations

from datetime import datetime

import ibis
import numpy as np
import pandas as pd
import pytest

from negpersona.config.tables import Related
from negpersona.data.profile import profile_table
from negpersona.data.relations import attach_related, infer_roles, snake_case
from negpersona.data.source import open_source
from negpersona.errors import ConfigError, DataError

TYPES = ["page_view", "content_download", "demo_request", "email_open"]


@pytest.fixture
def leads() -> pd.DataFrame:
    n = 40
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:03d}" for i in range(n)],
            "created_at": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 120, n), "D"),
            "company_size": rng.integers(1, 500, n),
            "converted": rng.integers(0, 2, n).astype(bool),
        }
    )


@pytest.fixture
def events(leads: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    m = 400
    with_events = leads["lead_id"].iloc[:30].to_numpy()  # the last 10 leads have no events
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200 * 24, m), "h")
    return pd.DataFrame(
        {
            "lead": rng.choice(with_events, m),
            "event_type": rng.choice(TYPES, m, p=[0.5, 0.25, 0.1, 0.15]),
            "ts": times,
        }
    )


def _primary(leads: pd.DataFrame):
    return open_source(leads)


def _frame(table) -> pd.DataFrame:
    return table.to_pandas().sort_values("lead_id").reset_index(drop=True)


def _expected_events(leads, events, reference, *, name="web", never=()) -> pd.DataFrame:
    """The event features computed independently with a pandas groupby."""
    grouped = events.groupby("lead")
    out = pd.DataFrame(index=leads["lead_id"])
    out[f"{name}_count"] = grouped.size()
    for t in TYPES:
        out[f"{name}_{t}_count"] = events[events.event_type == t].groupby("lead").size()
    out[f"{name}_active_days"] = grouped["ts"].apply(lambda s: s.dt.normalize().nunique())
    seconds_first = (reference - grouped["ts"].min()).dt.total_seconds()
    seconds_last = (reference - grouped["ts"].max()).dt.total_seconds()
    out[f"{name}_days_since_first"] = np.floor(seconds_first / 86400)
    out[f"{name}_days_since_last"] = np.floor(seconds_last / 86400)
    counts = [c for c in out.columns if c.endswith("_count") or c.endswith("_active_days")]
    out[counts] = out[counts].fillna(0).astype(int)
    for did, not_done in never:
        has = events.groupby("lead")["event_type"].agg(set)
        flag = has.apply(lambda s, d=did, n=not_done: d in s and n not in s)
        out[f"{name}_{did}_without_{not_done}"] = flag.reindex(out.index).fillna(False).astype(bool)
    return out.reset_index(names="lead_id")


def _check_columns(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    for column in expected.columns:
        got, want = result[column].to_numpy(), expected[column].to_numpy()
        if column.endswith(
            ("days_since_first", "days_since_last", "days_to_first", "days_to_last")
        ):
            got, want = got.astype(float), want.astype(float)
            assert np.array_equal(np.isnan(got), np.isnan(want)), column
            assert np.array_equal(got[~np.isnan(got)], want[~np.isnan(want)]), column
        else:
            assert list(got) == list(want), column


def test_one_to_one_matches_pandas_merge(tmp_path, leads):
    survey = pd.DataFrame(
        {
            "lead_id": [*leads["lead_id"].iloc[::3], "L999"],  # every third lead and a stranger
            "reason": (["price", "fit", None, "timing"] * 4)[:15],
            "budget": np.arange(15, dtype=float) * 1000,
        }
    )
    survey.loc[2, "budget"] = np.nan
    survey.to_csv(tmp_path / "survey.csv", sep=";", index=False)
    source = _primary(leads)
    spec = Related(name="survey", source="survey.csv", key="lead_id", delimiter=";")
    joined, origins = attach_related(
        source.table, [spec], backend=source.backend, base_dir=tmp_path
    )

    result = _frame(joined)
    expected = leads.merge(
        survey.rename(columns={"reason": "survey_reason", "budget": "survey_budget"}),
        on="lead_id",
        how="left",
    )
    assert len(result) == len(leads)
    assert list(result.columns) == [*leads.columns, "survey_reason", "survey_budget"]
    for column in ["survey_reason", "survey_budget"]:
        got = result[column].astype(object).where(result[column].notna(), None).tolist()
        want = expected[column].astype(object).where(expected[column].notna(), None).tolist()
        assert got == want, column
    assert set(origins) == {"survey_reason", "survey_budget"}
    assert "survey.csv" in origins["survey_reason"]


def test_one_to_one_selected_columns_and_other_key_name(tmp_path, leads):
    firmo = pd.DataFrame(
        {"account": leads["lead_id"], "industry": "retail", "country": "DE", "noise": 1}
    )
    firmo.to_parquet(tmp_path / "firmo.parquet")
    source = _primary(leads)
    spec = Related(
        name="firmo",
        source=str(tmp_path / "firmo.parquet"),
        key="account",
        on="lead_id",
        columns=["industry", "country"],
    )
    joined, origins = attach_related(source.table, [spec], backend=source.backend)
    assert list(origins) == ["firmo_industry", "firmo_country"]
    result = _frame(joined)
    assert (result["firmo_industry"] == "retail").all() and len(result) == len(leads)


def test_events_match_pandas_groupby(tmp_path, leads, events):
    events.to_parquet(tmp_path / "web.parquet")
    source = _primary(leads)
    never = [("content_download", "demo_request"), ("page_view", "email_open")]
    spec = Related(
        name="web",
        source="web.parquet",
        key="lead",
        on="lead_id",
        kind="events",
        type_column="event_type",
        time_column="ts",
        never=never,
    )
    joined, origins = attach_related(
        source.table, [spec], backend=source.backend, base_dir=tmp_path
    )
    result = _frame(joined)
    reference = events["ts"].max()  # default reference: the latest event
    expected = _expected_events(leads, events, reference, never=never)

    assert len(result) == len(leads)
    _check_columns(result, expected)
    no_events = result[~result["lead_id"].isin(events["lead"])]
    assert len(no_events) == 10
    assert (no_events["web_count"] == 0).all() and (no_events["web_page_view_count"] == 0).all()
    assert no_events["web_days_since_last"].isna().all()
    assert not no_events["web_content_download_without_demo_request"].any()
    assert "count of page_view" in origins["web_page_view_count"]
    assert set(expected.columns) - {"lead_id"} == set(origins)


def test_event_window_before_reference_time(tmp_path, leads, events):
    events.assign(ts=events["ts"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(
        tmp_path / "web.csv", index=False
    )
    reference = datetime(2024, 5, 1)
    source = _primary(leads)
    spec = Related(
        name="web",
        source="web.csv",
        key="lead",
        on="lead_id",
        kind="events",
        type_column="event_type",
        time_column="ts",
        window_days=30,
        never=[("content_download", "demo_request")],
    )
    joined, origins = attach_related(
        source.table, [spec], backend=source.backend, base_dir=tmp_path, reference_time=reference
    )
    ref = pd.Timestamp(reference)
    inside = events[(events.ts >= ref - pd.Timedelta(days=30)) & (events.ts <= ref)]
    expected = _expected_events(leads, inside, ref, never=[("content_download", "demo_request")])
    _check_columns(_frame(joined), expected)
    assert "30 days up to 2024-05-01" in origins["web_count"]


def test_event_window_relative_to_record_time(tmp_path, leads, events):
    events.to_parquet(tmp_path / "web.parquet")
    source = _primary(leads)
    spec = Related(
        name="web",
        source="web.parquet",
        key="lead",
        on="lead_id",
        kind="events",
        type_column="event_type",
        time_column="ts",
        window_days=14,
        relative_to="created_at",
    )
    joined, origins = attach_related(
        source.table, [spec], backend=source.backend, base_dir=tmp_path
    )
    result = _frame(joined)

    merged = events.merge(leads[["lead_id", "created_at"]], left_on="lead", right_on="lead_id")
    inside = merged[
        (merged.ts >= merged.created_at) & (merged.ts <= merged.created_at + pd.Timedelta(days=14))
    ]
    grouped = inside.groupby("lead")
    expected = pd.DataFrame(index=leads["lead_id"])
    expected["web_count"] = grouped.size()
    expected["web_page_view_count"] = (
        inside[inside.event_type == "page_view"].groupby("lead").size()
    )
    expected = expected.fillna(0).astype(int)
    first = (grouped["ts"].min() - grouped["created_at"].min()).dt.total_seconds()
    last = (grouped["ts"].max() - grouped["created_at"].min()).dt.total_seconds()
    expected["web_days_to_first"] = np.floor(first / 86400)
    expected["web_days_to_last"] = np.floor(last / 86400)
    _check_columns(result, expected.reset_index(names="lead_id"))
    assert "web_days_since_first" not in result.columns
    assert "first 14 days after created_at" in origins["web_count"]


def test_dataframe_sources_several_tables_and_key_types(leads, events):
    primary = leads.assign(lead_id=np.arange(len(leads)))  # integer key in the primary table
    survey = pd.DataFrame({"lead_id": ["0", "1", "2"], "reason": ["a", "b", "c"]})  # text key
    web = events.assign(lead=events["lead"].str[1:].astype(int))
    source = _primary(primary)
    related = [
        Related(name="survey", source="s", key="lead_id"),
        Related(name="web", source="w", key="lead", on="lead_id", kind="events"),
    ]
    joined, origins = attach_related(
        source.table, related, backend=source.backend, frames={"s": survey, "w": web}
    )
    result = joined.to_pandas().sort_values("lead_id").reset_index(drop=True)
    assert len(result) == len(primary)
    assert result["survey_reason"].iloc[:3].tolist() == ["a", "b", "c"]
    assert result["survey_reason"].iloc[3:].isna().all()
    expected = web.groupby("lead").size().reindex(primary["lead_id"]).fillna(0).astype(int)
    assert result["web_count"].tolist() == expected.tolist()
    assert list(origins) == ["survey_reason", "web_count"]  # no type or time column: count only


def test_event_type_names_are_sanitized_and_limited(leads):
    kinds = [f"Type {i}" for i in range(25)] * 2 + ["pageView", "page-view"] * 8
    frame = pd.DataFrame({"lead": leads["lead_id"].iloc[0], "kind": kinds})
    source = _primary(leads)
    spec = Related(
        name="web", source="e", key="lead", on="lead_id", kind="events", type_column="kind"
    )
    joined, origins = attach_related(
        source.table, [spec], backend=source.backend, frames={"e": frame}
    )
    type_columns = [c for c in origins if c not in {"web_count"}]
    assert len(type_columns) == 20
    assert {"web_page_view_count", "web_page_view_count_2"} <= set(type_columns)
    assert len(set(joined.columns)) == len(joined.columns)
    assert snake_case("Demo Request!") == "demo_request" and snake_case("") == "blank"


def test_sql_compiles_for_another_dialect(tmp_path, leads, events):
    events.to_parquet(tmp_path / "web.parquet")
    pd.DataFrame({"lead_id": leads["lead_id"], "reason": "x"}).to_parquet(tmp_path / "s.parquet")
    source = _primary(leads)
    related = [
        Related(name="survey", source="s.parquet", key="lead_id"),
        Related(
            name="web",
            source="web.parquet",
            key="lead",
            on="lead_id",
            kind="events",
            type_column="event_type",
            time_column="ts",
            window_days=60,
            never=[("content_download", "demo_request")],
        ),
        Related(
            name="early",
            source="web.parquet",
            key="lead",
            on="lead_id",
            kind="events",
            type_column="event_type",
            time_column="ts",
            window_days=7,
            relative_to="created_at",
        ),
    ]
    joined, _ = attach_related(source.table, related, backend=source.backend, base_dir=tmp_path)
    sql = ibis.to_sql(joined, dialect="postgres")
    assert "LEFT OUTER JOIN" in sql and "GROUP BY" in sql


# ---- errors ------------------------------------------------------------------------------------


def _attach(leads, frames, *related, **options):
    source = _primary(leads)
    return attach_related(
        source.table, list(related), backend=source.backend, frames=frames, **options
    )


def test_duplicate_keys_in_one_to_one_table(leads):
    survey = pd.DataFrame({"lead_id": ["L001", "L002", "L002"], "reason": ["a", "b", "c"]})
    with pytest.raises(DataError) as err:
        _attach(leads, {"s": survey}, Related(name="survey", source="s", key="lead_id"))
    message = str(err.value)
    assert "'survey'" in message and "'lead_id'" in message and "'L002'" in message
    assert "kind: events" in message


def test_missing_key_columns(leads):
    survey = pd.DataFrame({"id": ["L001"], "reason": ["a"]})
    with pytest.raises(DataError, match=r"'survey'.*no key column 'lead_id'"):
        _attach(leads, {"s": survey}, Related(name="survey", source="s", key="lead_id"))
    with pytest.raises(DataError, match=r"primary table has no column 'account_id'.*'survey'"):
        _attach(leads, {"s": survey}, Related(name="survey", source="s", key="id", on="account_id"))


def test_unmatched_keys(leads):
    survey = pd.DataFrame({"lead_id": ["X1", "X2"], "reason": ["a", "b"]})
    with pytest.raises(DataError) as err:
        _attach(leads, {"s": survey}, Related(name="survey", source="s", key="lead_id"))
    message = str(err.value)
    assert "No key" in message and "'survey'" in message and "'X1'" in message
    assert "'L000'" in message


def test_unparseable_timestamps(tmp_path, leads):
    frame = pd.DataFrame(
        {"lead": ["L001", "L002", "L003"], "ts": ["2024-01-02", "yesterday", "31/12/2024"]}
    )
    frame.to_csv(tmp_path / "web.csv", index=False)
    spec = Related(
        name="web", source="web.csv", key="lead", on="lead_id", kind="events", time_column="ts"
    )
    with pytest.raises(DataError) as err:
        _attach(leads, None, spec, base_dir=tmp_path)
    message = str(err.value)
    assert "'ts'" in message and "'web'" in message and "2 value(s)" in message
    assert "'31/12/2024'" in message


def test_missing_file_and_unknown_never_type(tmp_path, leads, events):
    with pytest.raises(DataError, match=r"File not found for related table 'web'"):
        _attach(leads, None, Related(name="web", source="nope.csv", key="lead"), base_dir=tmp_path)
    spec = Related(
        name="web",
        source="e",
        key="lead",
        on="lead_id",
        kind="events",
        type_column="event_type",
        never=[("content_download", "demo_requests")],
    )
    with pytest.raises(DataError, match=r"'demo_requests'.*'web'.*demo_request"):
        _attach(leads, {"e": events}, spec)


def test_column_clash_and_invalid_specs(leads):
    survey = pd.DataFrame({"lead_id": ["L001"], "size": [3]})
    clash = leads.assign(survey_size=1)
    with pytest.raises(DataError, match=r"'survey_size'.*clashes"):
        _attach(clash, {"s": survey}, Related(name="survey", source="s", key="lead_id"))
    with pytest.raises(ConfigError, match="used twice"):
        _attach(
            leads,
            {"s": survey},
            Related(name="survey", source="s", key="lead_id"),
            Related(name="survey", source="s", key="lead_id"),
        )
    with pytest.raises(ValueError, match="only apply to kind: events"):
        Related(name="s", source="s", key="k", window_days=3)
    with pytest.raises(ValueError, match="need a time_column"):
        Related(name="s", source="s", key="k", kind="events", window_days=3)
    with pytest.raises(ValueError, match="extra"):
        Related(name="s", source="s", key="k", unknown=1)
    pair = Related.model_validate(
        {"name": "w", "source": "w", "key": "k", "kind": "events", "type_column": "t",
         "never": [["a", "b"]]}
    )  # fmt: skip
    assert pair.never == [("a", "b")]


# ---- roles -------------------------------------------------------------------------------------


def test_roles_by_name_origin_and_overrides(leads, events):
    primary = leads.assign(
        industry="retail",
        role_seniority="vp",
        pages_viewed=3,
        budget_band="low",
        use_case="x",
        deal_value=1.0,
    )
    survey = pd.DataFrame({"lead_id": primary["lead_id"], "company_size": 1, "comment": "ok"})
    firmo = pd.DataFrame({"lead_id": primary["lead_id"], "country": "DE", "founded_note": "x"})
    related = [
        Related(name="survey", source="nps_survey.csv", key="lead_id"),
        Related(name="firmo", source="f", key="lead_id"),
        Related(name="web", source="w", key="lead", on="lead_id", kind="events",
                type_column="event_type"),
    ]  # fmt: skip
    source = _primary(primary)
    frames = {"nps_survey.csv": survey, "f": firmo, "w": events}
    joined, origins = attach_related(source.table, related, backend=source.backend, frames=frames)
    profiles = profile_table(joined)
    roles = infer_roles(profiles, related, {"deal_value": "need"}, origins=origins)

    assert roles["industry"] == roles["role_seniority"] == roles["company_size"] == "demographic"
    assert roles["pages_viewed"] == "behavior"
    assert roles["budget_band"] == roles["use_case"] == "need"
    assert roles["created_at"] == roles["lead_id"] == "characteristic"
    assert roles["deal_value"] == "need"  # override wins
    assert roles["survey_company_size"] == roles["survey_comment"] == "need"  # survey table
    assert roles["firmo_country"] == "demographic"
    assert roles["firmo_founded_note"] == "demographic"  # firmographic table default
    assert roles["web_count"] == roles["web_page_view_count"] == "behavior"
    assert set(roles) == set(joined.columns)

    overridden = infer_roles(profiles, related, {"web_count": "need"}, origins=origins)
    assert overridden["web_count"] == "need"
    with pytest.raises(ConfigError, match="Unknown role"):
        infer_roles(profiles, related, {"industry": "wealth"})
    with pytest.raises(ConfigError, match="unknown column 'nope'"):
        infer_roles(profiles, related, {"nope": "need"})
    # Without origins the related table is recognized by its prefix; a table role applies to all.
    need_web = [r.model_copy(update={"role": "need"}) if r.name == "web" else r for r in related]
    assert infer_roles(profiles, need_web, {})["web_count"] == "need"

"""Persona cards on data where every answer is planted: profile, reasons, exceptions, exclusion,
trade-off, late converters, review dates and the language guard."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from negpersona import Spec, discover
from negpersona.explain.language import is_neutral

N = 8000
PERSONA = "student_program"


def _leads(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    channel = rng.choice(["search", "partner", "events", PERSONA], size=N, p=[0.4, 0.2, 0.2, 0.2])
    member = channel == PERSONA
    # Over-represented inside the persona, with no effect of its own on conversion.
    device = np.where(
        member,
        rng.choice(["mobile", "desktop"], size=N, p=[0.8, 0.2]),
        rng.choice(["mobile", "desktop"], size=N, p=[0.3, 0.7]),
    )
    # The exception: members who came through the pricing webinar convert anyway. (One value of
    # four, so "the persona without it" is no single condition the search could use instead.)
    topic = rng.choice(["pricing", "product", "events", "hiring"], size=N)
    region = rng.choice(["north", "south", "east", "west"], size=N)
    rate = np.where(member, np.where(topic == "pricing", 0.20, 0.01), 0.25)
    converted = rng.random(N) < rate
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, N), unit="D")
    # Members who convert do so late; everyone else within about a month.
    days = np.where(member, rng.integers(40, 80, N), rng.integers(1, 30, N))
    converted_at = pd.Series(created + pd.to_timedelta(days, unit="D")).where(converted)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:05d}" for i in range(N)],
            "channel": channel,
            "device": device,
            "webinar_topic": topic,
            "region": region,
            "created_at": created,
            "converted": converted,
            "converted_at": converted_at,
            "deal_value": np.where(converted, 1000.0, 0.0),
        }
    )


def _survey(leads: pd.DataFrame, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    answered = leads[rng.random(len(leads)) < 0.5]
    member = (answered["channel"] == PERSONA).to_numpy()
    mine = [
        "only needed it for a class project, contact jane.doe@example.com",
        "the free plan was enough for our class project",
        "class project ended, call me at +44 20 7946 0958",
        "we used the free plan for a semester",
    ]
    theirs = [
        "the integration with our stack took too long",
        "reporting did not cover what finance needed",
        "integration with the CRM was missing",
        "reporting was slow for our team",
    ]
    text = np.where(
        member, rng.choice(mine, size=len(answered)), rng.choice(theirs, size=len(answered))
    )
    tool = np.where(
        member,
        rng.choice(["Chalkboard", "Ledgerly"], size=len(answered), p=[0.7, 0.3]),
        rng.choice(["Chalkboard", "Ledgerly"], size=len(answered), p=[0.2, 0.8]),
    )
    category = np.where(
        member, "no budget", rng.choice(["price", "missing feature"], len(answered))
    )
    return pd.DataFrame(
        {"lead_id": answered["lead_id"], "answer": text, "reason": category, "tool": tool}
    )


def _spec(**cards) -> Spec:
    return Spec.model_validate(
        {
            "id": "lead_id",
            "outcome": {"column": "converted"},
            "time": "created_at",
            "value": "deal_value",
            "texts": [
                {
                    "name": "survey",
                    "source": "survey",
                    "key": "lead_id",
                    "text": ["answer"],
                    "category": "reason",
                    "competitor": "tool",
                }
            ],
            "audit": {"outcome_time": "converted_at"},
            "cards": cards,
            "discovery": {"depth": 1, "cost": 80.0, "run_audit": False},
        }
    )


@pytest.fixture(scope="module")
def planted():
    leads = _leads()
    survey = _survey(leads)
    result = discover(leads, _spec(review_days=30), frames={"survey": survey})
    personas = [p for p in result.personas if p.conditions[0].value == PERSONA]
    assert personas, [p.name for p in result.personas]
    return leads, survey, result, personas[0]


def _members(leads: pd.DataFrame) -> pd.Series:
    return leads["channel"] == PERSONA


def test_profile_shows_the_planted_value_in_its_aspect(planted) -> None:
    leads, _, _, persona = planted
    card = persona.extra["card"]
    items = [item for aspect in card["profile"].values() for item in aspect]
    device = [item for item in items if item["column"] == "device"]
    assert device and device[0]["label"] == "mobile"
    members = _members(leads)
    expected = (leads.loc[members, "device"] == "mobile").mean()
    assert device[0]["member_share"] == pytest.approx(expected, abs=1e-9)
    assert device[0]["overall_share"] == pytest.approx((leads["device"] == "mobile").mean())
    assert "mobile" in device[0]["text"] and "overall" in device[0]["text"]
    # Unrelated columns and the persona's own condition are not part of its profile.
    assert not [item for item in items if item["column"] in {"region", "channel"}]
    assert card["profile_basis"] == f"all {N:,} records"


def test_reasons_words_quotes_categories_and_tools(planted) -> None:
    _, _, _, persona = planted
    blocks = {block["column"]: block for block in persona.extra["card"]["reasons"]}
    answer = blocks["answer"]
    terms = [term["term"] for term in answer["terms"]]
    assert any("class project" in term or "free plan" in term for term in terms[:3]), terms
    assert not any("integration" in term or "reporting" in term for term in terms)
    assert 1 <= len(answer["quotes"]) <= 3
    joined = " ".join(answer["quotes"])
    assert "@" not in joined and "7946" not in joined and "example" not in joined
    reason = blocks["reason"]
    assert reason["shares"][0]["value"] == "no budget"
    assert reason["shares"][0]["member_share"] == pytest.approx(1.0)
    assert blocks["tool"]["loyal_to"] == ["Chalkboard"]


def test_exceptions_name_the_value_that_raises_conversion(planted) -> None:
    leads, _, _, persona = planted
    exceptions = persona.extra["card"]["exceptions"]
    members = _members(leads)
    assert exceptions["records"] == int(members.sum())
    assert exceptions["positives"] == int(leads.loc[members, "converted"].sum())
    best = exceptions["best"]
    assert best["column"] == "webinar_topic" and best["label"] == "pricing"
    inside = leads[members]
    expected = inside.loc[inside["webinar_topic"] == "pricing", "converted"].mean()
    assert best["rate"] == pytest.approx(expected)
    late = exceptions["late"]
    assert late is not None and late["late_share"] > 0.9 > late["overall_late_share"]


def test_exclusion_numbers_are_exact_and_money_uses_the_held_out_rate(planted) -> None:
    leads, _, result, persona = planted
    exclusion = persona.extra["card"]["exclusion"]
    members = _members(leads)
    assert exclusion["records"] == int(members.sum())
    assert exclusion["records_share"] == pytest.approx(members.mean())
    lost = int(leads.loc[members, "converted"].sum())
    assert exclusion["conversions"] == lost
    assert exclusion["conversions_share"] == pytest.approx(lost / leads["converted"].sum())
    assert exclusion["value_share"] == pytest.approx(
        leads.loc[members, "deal_value"].sum() / leads["deal_value"].sum()
    )
    held_out = persona.confirmation
    assert exclusion["rate_basis"] == "held-out records"
    assert exclusion["expected_conversions"] == pytest.approx(members.sum() * held_out.rate)
    assert exclusion["cost_saved"] == pytest.approx(80.0 * members.sum())
    low, high = exclusion["value_at_risk_ci"]
    assert low <= exclusion["value_at_risk"] <= high
    assert exclusion["net_savings"] == pytest.approx(
        exclusion["cost_saved"] - exclusion["value_at_risk"]
    )


def test_tradeoff_counts_the_union_on_held_out_records(planted) -> None:
    _, _, result, _ = planted
    steps = result.extra["tradeoff"]
    assert steps[0]["records_share"] == 0 and len(steps) == len(result.personas) + 1
    assert {p.id for p in result.personas} == {step["id"] for step in steps[1:]}
    shares = [step["records_share"] for step in steps]
    assert shares == sorted(shares)  # a union only grows
    by_id = {p.id: p for p in result.personas}
    held_out = result.baseline["confirmation"]
    # Step 1 is one persona alone: exactly its held-out counts; personas go lowest rate first.
    first = by_id[steps[1]["id"]].confirmation
    assert steps[1]["records"] == first.records
    assert steps[1]["conversions"] == first.positives
    assert steps[1]["records_share"] == pytest.approx(first.records / held_out["records"])
    assert first.rate == min(p.confirmation.rate for p in result.personas)
    # The union is at least its largest member and at most the sum.
    last = steps[-1]
    sizes = [p.confirmation.records for p in result.personas]
    assert max(sizes) <= last["records"] <= sum(sizes)
    assert last["conversions_share"] < last["records_share"]  # better than random exclusion


def test_review_dates_and_data_window(planted) -> None:
    leads, _, result, persona = planted
    created = datetime.fromisoformat(persona.extra["created"])
    assert created.date() == date.today() or abs((created.date() - date.today()).days) <= 1
    review_by = date.fromisoformat(persona.extra["review_by"])
    assert review_by == created.date() + timedelta(days=30)
    window = persona.extra["data_window"]
    assert window["column"] == "created_at"
    assert window["start"][:10] == str(leads["created_at"].min().date())
    assert window["end"][:10] == str(leads["created_at"].max().date())
    assert result.extra["data_window"] == window


def test_cards_survive_the_files(planted, tmp_path) -> None:
    from negpersona import DiscoveryResult

    _, _, result, persona = planted
    result.write(tmp_path)
    again = DiscoveryResult.read(tmp_path)
    assert again.extra["tradeoff"] == result.extra["tradeoff"]
    same = next(p for p in again.personas if p.id == persona.id)
    assert (
        same.extra["card"]["exclusion"]["records"] == persona.extra["card"]["exclusion"]["records"]
    )
    assert same.extra["review_by"] == persona.extra["review_by"]


def test_generated_texts_are_neutral_and_carry_a_talking_note(planted) -> None:
    _, _, result, _ = planted
    for persona in result.personas:
        card = persona.extra["card"]
        assert is_neutral(persona.name)
        assert "not a fit for the current offer" in card["talk_about"]
        for aspect in card["profile"].values():
            assert all(is_neutral(item["text"]) for item in aspect)


def test_a_judgmental_value_never_names_a_persona() -> None:
    rng = np.random.default_rng(5)
    n = 4000
    grade = rng.choice(["junk", "warm", "hot"], size=n, p=[0.25, 0.4, 0.35])
    converted = rng.random(n) < np.where(grade == "junk", 0.01, 0.3)
    frame = pd.DataFrame({"grade": grade, "size": rng.integers(1, 500, n), "converted": converted})
    result = discover(frame, target="converted", depth=1, run_audit=False)
    persona = next(p for p in result.personas if p.conditions[0].value == "junk")
    assert persona.name == f"Segment {persona.id}"
    issues = persona.extra["card"]["language"]["name_issues"]
    assert issues and issues[0]["word"].lower() == "junk"
    # The conditions stay exact: they decide membership.
    assert persona.conditions[0].column == "grade"


def test_no_text_sources_no_time_columns_still_give_cards() -> None:
    leads = _leads().drop(columns=["converted_at"])
    result = discover(leads, target="converted", depth=1, run_audit=False, confirm=False)
    assert result.personas == []  # without confirmation nothing becomes a persona
    result = discover(leads, target="converted", depth=1, run_audit=False)
    card = result.personas[0].extra["card"]
    assert card["reasons"] == []
    assert card["exceptions"]["late"] is None
    assert "cost_saved" not in card["exclusion"]
    assert result.personas[0].extra["data_window"] is None


def test_cards_on_a_search_sample_keep_exact_exclusion_counts() -> None:
    leads = _leads()
    survey = _survey(leads)
    spec = _spec().with_overrides(max_search_rows=2000)
    result = discover(leads, spec, frames={"survey": survey})
    persona = next(p for p in result.personas if p.conditions[0].value == PERSONA)
    card = persona.extra["card"]
    assert "sample" in card["profile_basis"] and "of all" in card["profile_basis"]
    members = _members(leads)
    assert card["exclusion"]["records"] == int(members.sum())  # recounted on all records
    assert card["exclusion"]["conversions"] == int(leads.loc[members, "converted"].sum())
    assert card["exceptions"]["best"]["label"] == "pricing"
    assert card["exceptions"]["records"] == int(members.sum())


def test_overlaps_are_shares_of_the_persona_in_the_others() -> None:
    from negpersona.explain.cards import _overlaps

    counts = np.array([10, 20, 30, 40])
    masks = [
        np.array([True, True, False, False]),  # 30 records
        np.array([False, True, True, False]),  # 50, shares 20 with the first
        np.array([False, False, False, True]),  # 40, shares none
    ]
    personas = [_persona_stub(pid) for pid in ("a", "b", "c")]
    assert _overlaps(0, personas, masks, counts) == [{"id": "b", "share": pytest.approx(20 / 30)}]
    assert _overlaps(1, personas, masks, counts) == [{"id": "a", "share": pytest.approx(20 / 50)}]
    assert _overlaps(2, personas, masks, counts) == []


def _persona_stub(pid: str):
    from negpersona.model.conditions import Condition
    from negpersona.model.persona import Persona

    return Persona([Condition("x", "=", pid)], 1, 0, 0.1, 0.0, (0.0, 0.1), 0.0, 0.0, 0.0, id=pid)

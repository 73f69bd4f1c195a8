"""The built-in demo: generate lead data, write its spec, run discovery, write the outputs.

``demo_spec()`` is the spec of the clean lead table alone (used by statistical tests);
``run_demo`` writes the full demo: leads with planted data problems, an event log, a churn survey
and deals, and a spec that joins the event log.
"""

from __future__ import annotations

from pathlib import Path

from negpersona.config.spec import Spec, load_spec
from negpersona.datasets import generate_demo_tables
from negpersona.discovery import Progress, discover
from negpersona.model.atomic import write_text
from negpersona.model.persona import DiscoveryResult

DEMO_SPEC = """\
# Spec of the built-in demo data (B2B SaaS leads). See README for every field.
source: leads.csv
id: lead_id
outcome:
  column: converted
  kind: conversion
time: created_at
value: deal_value
exclude: []
discovery:
  depth: 3
  max_rate_ratio: 0.5
  max_personas: 8
"""


def demo_spec() -> Spec:
    import yaml

    return Spec.model_validate(yaml.safe_load(DEMO_SPEC))


DEMO_TABLES_SPEC = """\
# Spec of the built-in demo (B2B SaaS leads with an event log). See README for every field.
# The data holds planted problems on purpose; 'negpersona audit' finds them (see audit.json).
source: leads.csv
id: lead_id
outcome:
  column: converted
  kind: conversion
time: created_at
value: deal_value
# Recorded after the outcome, so never a condition ('negpersona audit leads.csv --target
# converted' reports it as leakage; excluded columns are not audited for leakage).
exclude: [onboarding_call_booked]
related:
  - name: web                 # behavior in the first 14 days after a lead was created
    source: events.csv
    key: lead_id
    kind: events
    type_column: event_type
    time_column: occurred_at
    relative_to: created_at
    window_days: 14
    never: [[content_download, demo_request]]
# Answers used only to explain personas (never conditions: they would leak the outcome).
texts:
  - name: deals
    source: deals.csv
    key: lead_id
    text: [loss_reason]
    category: loss_category
    competitor: competitor
  - name: churn_survey
    source: churn_survey.csv
    key: lead_id
    text: [churn_reason]
    category: churn_category
audit:
  outcome_time: converted_at  # for maturity and late converters
policy:                       # which personas 'negpersona apply' and 'export' exclude
  rule: max_conversion_loss
  max_conversion_loss: 0.10   # exclude personas while at most 10% of conversions are lost
  holdout: 0.05               # 5% of excluded leads stay targeted, to keep measuring
discovery:
  depth: 3
  max_rate_ratio: 0.5
  max_personas: 8
  max_share: 0.3              # each persona at most 30% of leads: a distinct group, not the bulk
  # The planted duplicate ids are an audit error. The demo goes on to show discovery; with your
  # own data, fix errors first instead of forcing.
  force: true
"""


def write_exclusion_ids(out_dir: Path, spec: Spec) -> int:
    """``excluded_ids.csv``: the leads the policy excludes (holdout kept out), the file
    ``negpersona export --format ids`` writes; the number of rows."""
    from negpersona.apply.audiences import audience_frame, write_audience
    from negpersona.apply.personas import Personas

    records = Personas.load(out_dir).audience_records(spec.source, "ids", spec=spec)
    audience = audience_frame(records, "ids", id_column=spec.id)
    write_audience(audience, out_dir / "excluded_ids.csv", "ids")
    return len(audience)


def run_demo(
    out_dir: str | Path, *, rows: int = 50_000, seed: int = 7, progress: Progress | None = None
) -> tuple[DiscoveryResult, Path]:
    """Generate the demo tables into ``out_dir`` (CSV + spec) and discover personas from them.

    Everything goes through the files, as with a user's own data: the spec is read back, the
    event log is joined by the engine and the audit runs first.
    """
    out_dir = Path(out_dir)
    if progress:
        progress("Generating demo tables")
    tables = generate_demo_tables(rows, seed)
    for name, frame in [
        ("leads", tables.leads),
        ("events", tables.events),
        ("churn_survey", tables.churn_survey),
        ("deals", tables.deals),
    ]:
        write_text(out_dir / f"{name}.csv", frame.to_csv(index=False))
    write_text(out_dir / "negpersona.yaml", DEMO_TABLES_SPEC)
    spec = load_spec(out_dir / "negpersona.yaml")
    result = discover(None, spec, progress=progress)
    result.write(out_dir)
    if progress:
        progress("Writing the exclusion audience")
    write_exclusion_ids(out_dir, spec)
    return result, out_dir / "leads.csv"

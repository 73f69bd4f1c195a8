"""The built-in demo: generate lead data, write its spec, run discovery, write the outputs."""

from __future__ import annotations

from pathlib import Path

from negpersona.atomic import write_text
from negpersona.demo_data import generate_leads
from negpersona.discovery import Progress, discover
from negpersona.persona import DiscoveryResult
from negpersona.spec import Spec

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


def run_demo(
    out_dir: str | Path, *, rows: int = 50_000, seed: int = 7, progress: Progress | None = None
) -> tuple[DiscoveryResult, Path]:
    """Generate ``rows`` leads into ``out_dir/leads.csv`` and discover personas there."""
    out_dir = Path(out_dir)
    if progress:
        progress("Generating demo leads")
    frame = generate_leads(rows, seed)
    data_path = out_dir / "leads.csv"
    write_text(data_path, frame.to_csv(index=False))
    write_text(out_dir / "negpersona.yaml", DEMO_SPEC)
    spec = demo_spec()
    result = discover(frame, spec, progress=progress)
    result.settings["source"] = str(data_path)
    result.write(out_dir)
    return result, data_path

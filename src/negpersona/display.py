"""Terminal rendering of discovery results (Rich), shared by the CLI commands."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from negpersona.persona import DiscoveryResult, Persona


def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def interval(bounds: tuple[float, float] | list[float]) -> str:
    return f"[{pct(bounds[0])}–{pct(bounds[1])}]"


def summary_lines(result: DiscoveryResult) -> list[str]:
    base = result.baseline
    lines = [
        f"Baseline: {base['positives']:,} of {base['records']:,} records are fits "
        f"({pct(base['rate'])}); outcome {result.settings.get('outcome')}.",
        f"Split: {result.settings.get('split')}.",
    ]
    if result.set_aside:
        aside = ", ".join(
            f"{item['column']} ({item['reason'].split(';')[0]})" for item in result.set_aside
        )
        lines.append(f"Set aside: {aside}.")
    lines.extend(result.notes)
    confirmed = len(result.personas)
    lines.append(
        f"{confirmed} confirmed persona(s); {len(result.unconfirmed)} candidate(s) not confirmed."
    )
    return lines


def personas_table(result: DiscoveryResult) -> Table:
    table = Table(title="Negative personas", show_lines=True)
    for header in (
        "#",
        "Persona",
        "Size",
        "Rate [95% CI]",
        "Share of fits",
        "Confirmation rate [95% CI]",
        "Ratio",
    ):
        table.add_column(header, overflow="fold")
    rows: list[tuple[str, Persona]] = [(str(i), p) for i, p in enumerate(result.personas, 1)]
    rows += [("–", p) for p in result.unconfirmed]
    baseline = result.baseline.get("discovery", result.baseline)["rate"]
    for label, persona in rows:
        conf = persona.confirmation
        status = "" if persona.confirmed else " [dim](not confirmed)[/]"
        table.add_row(
            label,
            escape(persona.name) + status,
            f"{persona.records:,} ({pct(persona.share)})",
            f"{pct(persona.rate)} {interval(persona.rate_ci)} vs {pct(baseline)}",
            pct(persona.conversion_share),
            "–"
            if conf is None
            else f"{pct(conf.rate)} {interval(conf.rate_ci)} vs {pct(conf.baseline_rate)}",
            f"{persona.rate_ratio:.2f}"
            if conf is None
            else f"{persona.rate_ratio:.2f} / {conf.rate / conf.baseline_rate:.2f}"
            if conf.baseline_rate
            else f"{persona.rate_ratio:.2f}",
        )
    return table

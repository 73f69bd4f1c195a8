"""Terminal rendering of discovery results (Rich), shared by the CLI commands."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from negpersona.model.persona import DiscoveryResult, Persona


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
    review = sorted({p.extra["review_by"] for p in result.personas if p.extra.get("review_by")})
    if review:
        lines.append(f"Review the personas by {review[0]} (cards.review_days after discovery).")
    return lines


def personas_table(result: DiscoveryResult) -> Table:
    """One row per persona, then the unconfirmed candidates; baselines in the caption."""
    base = result.baseline.get("discovery", result.baseline)
    held_out = result.baseline.get("confirmation") or {}
    caption = f"Baseline {pct(base['rate'])} on discovery records"
    if held_out.get("rate") is not None:
        caption += f", {pct(held_out['rate'])} on held-out records"
    table = Table(title="Negative personas", caption=caption + ".", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Persona", ratio=3, overflow="fold")
    table.add_column("Size", justify="right")
    table.add_column("Rate [95% CI]", justify="right")
    table.add_column("Fits", justify="right")
    table.add_column("Held-out rate", justify="right")
    table.add_column("Ratio", justify="right")
    rows: list[tuple[str, Persona]] = [(str(i), p) for i, p in enumerate(result.personas, 1)]
    rows += [("–", p) for p in result.unconfirmed]
    for label, persona in rows:
        conf = persona.confirmation
        status = "" if persona.confirmed else "\n[dim](not confirmed)[/]"
        held = "–" if conf is None else f"{pct(conf.rate)} {interval(conf.rate_ci)}"
        ratio = f"{persona.rate_ratio:.2f}"
        if conf is not None and conf.baseline_rate:
            ratio += f" / {conf.rate / conf.baseline_rate:.2f}"
        table.add_row(
            label,
            escape(persona.name) + status,
            f"{persona.records:,}\n{pct(persona.share)}",
            f"{pct(persona.rate)}\n{interval(persona.rate_ci)}",
            pct(persona.conversion_share),
            held.replace(" ", "\n", 1),
            ratio,
        )
    return table

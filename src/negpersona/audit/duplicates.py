"""Duplicates: repeated ids and identical records inflate segments and leak between the discovery and confirmation parts."""

from __future__ import annotations

import ibis

from negpersona.audit.context import AuditContext
from negpersona.audit.registry import register


@register("duplicates", "Repeated ids and identical records.")
def _duplicates(ctx: AuditContext) -> None:
    t = ctx.source
    if ctx.id_column:
        key = t[ctx.id_column]
        groups = (t.filter(key.notnull()).group_by(key=key).aggregate(n=ibis._.count())).filter(
            ibis._.n > 1
        )
        stats = groups.aggregate(ids=groups.count(), extra=(groups.n - 1).sum())
        row = stats.to_pyarrow().to_pylist()[0]
        if row["ids"]:
            example = groups.order_by([ibis.desc("n"), "key"]).limit(1).to_pyarrow().to_pylist()[0]
            extra, ids = int(row["extra"]), int(row["ids"])
            ctx.add(
                "error",
                "duplicate_id",
                ctx.id_column,
                f"{ctx.id_column} is not unique: {ids:,} ids appear more than once "
                f"({extra:,} extra records); e.g. {example['key']!r} appears "
                f"{int(example['n'])} times.",
                "Deduplicate the records (keep the latest per id) or name the right id "
                "column: duplicated records inflate segments and leak between the "
                "discovery and confirmation parts.",
                duplicated_ids=ids,
                extra_records=extra,
                example=example["key"],
                example_count=int(example["n"]),
            )
    names = [name for name in ctx.source.columns if not name.startswith("__")]
    try:
        groups = t.group_by(names).aggregate(__n=ibis._.count()).filter(ibis._["__n"] > 1)
        row = (
            groups.aggregate(groups_=groups.count(), extra=(groups["__n"] - 1).sum())
            .to_pyarrow()
            .to_pylist()[0]
        )
    except Exception:  # columns the engine cannot group by (nested types)
        return
    if row["groups_"]:
        extra = int(row["extra"])
        ctx.add(
            "warning",
            "duplicate_row",
            None,
            f"{extra:,} records ({extra / ctx.n:.1%}) are exact copies of another record "
            f"({int(row['groups_']):,} distinct records repeated).",
            "Remove the copies upstream (SELECT DISTINCT) unless they are real repeats.",
            extra_records=extra,
            repeated=int(row["groups_"]),
        )

"""How `copydesk list --facets` prints: each facet with its values and counts,
as a table or as JSON. The counts are `app.queue.evaluation`'s: how many of
the filtered articles each value would match with the other filters held.
"""
from __future__ import annotations

import sys
from pathlib import Path

from app.audit.log import log_folder
from app.cli.common import json_line
from app.queue.location import LOG_SUFFIX
from app.queue.facets import FACETS, Counts, bucket_bounds


def has_audit_trail(folder: Path) -> bool:
    """The review facet is shown where decisions are logged (`.copydesk/log/*.jsonl`)."""
    try:
        return any(log_folder(folder).glob(f"*{LOG_SUFFIX}"))
    except OSError:
        return False


def write_facets(counts: dict[str, Counts], *, as_json: bool, review: bool) -> None:
    shown = [spec for spec in FACETS if review or spec.needs != "review"]
    if as_json:
        out = []
        for spec in shown:
            values = []
            for value, count in counts[spec.name]:
                item: dict[str, object] = {"value": value or None, "count": count}
                if spec.kind == "range" and value:
                    low, high = bucket_bounds(spec.name, value)
                    item.update(low=low or None, high=high or None)
                values.append(item)
            out.append({"facet": spec.name, "label": spec.label, "kind": spec.kind, "option": spec.option,
                        "values": values})
        sys.stdout.write(json_line(out) + "\n")
        return
    write = sys.stdout.write
    for spec in shown:
        write(f"{spec.label}  ({spec.option})\n")
        for value, count in counts[spec.name]:
            label = spec.value_label(value).replace("\n", " ")
            write(f"  {count:>9,}  {label}\n")

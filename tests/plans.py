"""PostgreSQL plans in tests: the scans of some tables that read more than they need.

``tests/test_store_plans.py`` and ``tests/test_django_store_plans.py`` run the statements a
store sends again under ``EXPLAIN (ANALYZE, FORMAT JSON)`` and read the plans here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

__all__ = ["scans", "wasteful"]


def scans(plan: dict[str, Any], tables: Collection[str]) -> Iterator[dict[str, Any]]:
    """Every node of ``plan`` (a plan node of EXPLAIN's JSON) that reads one of ``tables``."""
    if plan.get("Relation Name") in tables and "Scan" in plan["Node Type"]:
        yield plan
    for child in plan.get("Plans", ()):
        yield from scans(child, tables)


def wasteful(plan: dict[str, Any], tables: Collection[str]) -> tuple[int, list[Any]]:
    """How many scans of ``tables`` ``plan`` (run with ANALYZE) has, and those that read more
    than one row a loop, filtered rows away or read the whole table: (table, node type,
    index, rows a loop, rows filtered away) each."""
    found = list(scans(plan, tables))
    wrong = []
    for node in found:
        rows = node["Actual Rows"] / max(node["Actual Loops"], 1)
        filtered = node.get("Rows Removed by Filter", 0)
        if node["Node Type"] == "Seq Scan" or rows > 1 or filtered:
            wrong.append(
                (node["Relation Name"], node["Node Type"], node.get("Index Name"), rows, filtered)
            )
    return len(found), wrong

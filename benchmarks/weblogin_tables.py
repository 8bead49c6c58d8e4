"""The tables ``weblogin.py`` prints: its measurements as Markdown.

SQL round trips per web login, the paired rounds, the fake's answer latency, the paired
comparisons (the account step, sniffio, pool_pre_ping), where each worker's CPU went, and
httpcore's async-library lookup.
"""

from __future__ import annotations

import math
from typing import Any

from weblogin_browsers import CASES
from weblogin_measures import OTHER_PART, PROFILE_PARTS


def _ci(interval: Any) -> str:
    return f"{interval[0]:.2f}–{interval[1]:.2f}" if interval else "n/a (< 6 rounds)"


def _paired_table(title: str, paired: dict[str, Any]) -> list[str]:
    """One app against another, per database: per-round ratios with their 95% CIs."""
    if not paired:
        return []
    lines = [
        "",
        f"{title} (per-round ratios, 95% CI):",
        "",
        "| database | CPU per login | CPU ms added per login | logins/s |",
        "|---|---:|---:|---:|",
    ]
    for database, row in paired.items():
        cpu, rate = row["cpu_ms_per_login"], row["logins_per_s"]
        lines.append(
            f"| {database} | {cpu['ratio']:.3f} [{_ci(cpu['ci95'])}] "
            f"| {row['cpu_ms_added']:+.2f} [{_ci(row['cpu_ms_added_ci95'])}] "
            f"| {rate['ratio']:.3f} [{_ci(rate['ci95'])}] |"
        )
    return lines


def tables(out: dict[str, Any]) -> str:
    lines = [
        "SQL round trips per web login (returning / first / linking):",
        "",
        "| app | "
        + " | ".join(dict.fromkeys(n.rsplit(" @ ", 1)[1] for n in out["statements"]))
        + " |",
    ]
    databases = list(dict.fromkeys(n.rsplit(" @ ", 1)[1] for n in out["statements"]))
    lines.append("|---|" + "---:|" * len(databases))
    for contender in dict.fromkeys(n.rsplit(" @ ", 1)[0] for n in out["statements"]):
        cells = []
        for database in databases:
            counts = out["statements"].get(f"{contender} @ {database}")
            cells.append(" / ".join(f"{counts[case]:g}" for case in CASES) if counts else "n/a")
        lines.append(f"| {contender} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Returning logins, paired rounds (ratios: per-round, to the hand-minimal app on the "
        "same database; 95% CI):",
        "",
        "| app | database | logins/s | ratio to hand-minimal | app CPU ms/login "
        "| CPU ratio to hand-minimal | login p50 ms | p99 ms | slowest ms "
        "| DB connections opened per 100 logins |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in out["rounds"]:
        opened = row["connections_per_100"]
        lines.append(
            f"| {row['app']} | {row['database']} | {row['logins_per_s']:.0f} "
            f"| {row['rate_ratio']:.2f} [{_ci(row['rate_ratio_ci95'])}] "
            f"| {row['cpu_ms_per_login']:.2f} "
            f"| {row['cpu_ratio']:.2f} [{_ci(row['cpu_ratio_ci95'])}] | {row['p50_ms']:.1f} "
            f"| {row['p99_ms']:.1f} | {row['max_ms']:.0f} "
            f"| {'n/a' if math.isnan(opened) else f'{opened:.1f}'} |"
        )
    lines += [
        "",
        "The served fake's answers, sequential, one kept-alive connection (ms):",
        "",
        "| server | request | median | p99 | answers >= 20 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for server, requests in out["fake_latency"].items():
        for request, row in requests.items():
            lines.append(
                f"| {server} | {request} | {row['median_ms']:.2f} | {row['p99_ms']:.2f} "
                f"| {row['over_20_ms']} of {row['answers']} |"
            )
    if out["accounts_paired"]:
        lines += [
            "",
            "The account step: the example against the quickstart (the same login without "
            "accounts), per round (95% CI):",
            "",
            "| database | app CPU ms added per login | CPU ratio | logins/s ratio |",
            "|---|---:|---:|---:|",
        ]
        for database, row in out["accounts_paired"].items():
            cpu, rate = row["cpu_ms_per_login"], row["logins_per_s"]
            lines.append(
                f"| {database} | {row['cpu_ms_added']:+.2f} [{_ci(row['cpu_ms_added_ci95'])}] "
                f"| {cpu['ratio']:.2f} [{_ci(cpu['ci95'])}] "
                f"| {rate['ratio']:.2f} [{_ci(rate['ci95'])}] |"
            )
    if "baseline" in out:
        facts = out["baseline"]
        lines += _paired_table(
            f"The example against the baseline's, {facts['commit'] or facts['dir']}, "
            f"sniffio {'installed' if facts['sniffio'] else 'not installed'} there",
            out["baseline_paired"],
        )
    lines += _paired_table("The example without sniffio against with it", out["sniffio_paired"])
    lines += _paired_table(
        "The example with pool_pre_ping=True on its engine against as shipped",
        out["pre_ping_paired"],
    )
    if out.get("profile"):
        cpu = {
            f"{row['app']} @ {row['database']}": row["cpu_ms_per_login"] for row in out["rounds"]
        }
        names = list(out["profile"])
        lines += [
            "",
            "Where each worker's CPU went (py-spy's samples, idle ones left out): share of the "
            "busy samples, and that share of the app's median CPU per login in ms:",
            "",
            "| part | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        for part in [name for name, _ in PROFILE_PARTS] + [OTHER_PART]:
            cells = []
            for name in names:
                share = out["profile"][name][part]
                cells.append(f"{100 * share:.0f}% ({share * cpu.get(name, math.nan):.2f})")
            lines.append(f"| {part} | " + " | ".join(cells) + " |")
    lines += ["", "httpcore's async-library lookup (µs per call, best of 7):", ""]
    lines += ["| sniffio | µs |", "|---|---:|"]
    for case, value in out["sniffio_lookup_us"].items():
        lines.append(f"| {case} | {value:.2f} |")
    return "\n".join(lines)

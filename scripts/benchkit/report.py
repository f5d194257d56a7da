"""The table of figures and docs/performance.md with the machine description."""

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

from .config import ROOT, SCALE, log
from .measure import ROWS, Floor


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        if match:
            cpu = match.group(1).strip()
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"MemTotal:\s+(\d+) kB", meminfo.read_text())
        if match:
            mem = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB RAM"
    pg = Floor().scalar("SHOW server_version")
    load1 = os.getloadavg()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem}, PostgreSQL {pg}, Python "
        f"{platform.python_version()}; load average {load1:.1f} when the run ended"
    )


def table() -> str:
    lines = [
        "| figure | ours (median) | p95 | floor | ratio | queries |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in ROWS:
        unit = row["unit"]
        ours = f"{row['ours']:.1f} {unit}" if row["ours"] is not None else ""
        p95_ = f"{row['p95']:.1f}" if row["p95"] is not None else ""
        floor = f"{row['floor']:.1f}" if row["floor"] else ""
        ratio = f"{row['ratio']:.1f}×" if row["ratio"] else ""
        figure = row["figure"] + (f" — {row['note']}" if row["note"] else "")
        lines.append(f"| {figure} | {ours} | {p95_} | {floor} | {ratio} | {row['queries'] or ''} |")
    return "\n".join(lines)


def write_results(load_seconds: float, counts: dict) -> None:
    target = ROOT / "docs" / "performance.md"
    text = target.read_text() if target.exists() else "# Performance\n"
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    sizes = ", ".join(f"{n:,} {name}" for name, n in counts.items())
    loaded = f"; loaded in {load_seconds:.0f} s by this run" if load_seconds else ""
    block = (
        f"{begin}\n"
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, scale {SCALE:g} ({sizes}{loaded}).\n\n"
        f"Machine: {machine()}.\n\n{table()}\n{end}"
    )
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    target.write_text(text)
    log(f"written to {target.relative_to(ROOT)}")

"""Where a load run's CPU goes: seconds of CPU per process group between two snapshots (Linux /proc).

The load run and the workers benchmark say how fast the topology answered; this says which process
paid for it, so a cut is aimed at the part that costs most per message (docs/benchmarks.md). Groups:
each process the topology's pid files name (Rasa and action servers), nginx (master and workers),
the services on localhost by their process names (PostgreSQL's backends, Redis, RabbitMQ's Erlang VM),
this client, and the rest of the machine. A process that ends between the snapshots loses its share
(PostgreSQL's backends live as long as the pooled connections, so the run's own are counted).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
SERVICES = {"postgres": "postgresql", "redis-server": "redis", "beam.smp": "rabbitmq", "nginx": "nginx"}


@dataclass(frozen=True)
class Snapshot:
    """The CPU every process had spent at one moment, by group."""

    per_group: dict[str, float]  # CPU seconds so far, by group
    machine_busy: float  # CPU seconds the whole machine spent not idle, since boot


def snapshot(pid_files: Path) -> Snapshot:
    """Every process's CPU time so far, grouped; `pid_files` is the topology's folder of `<name>.pid`."""
    named = {_read(f): f.stem for f in pid_files.glob("*.pid")}
    named[str(os.getpid())] = "load client"
    per_group: dict[str, float] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            found = _cpu_and_name(proc)
            if found is not None:
                seconds, name = found
                group = named.get(proc.name) or SERVICES.get(name, "other")
                per_group[group] = per_group.get(group, 0.0) + seconds
    return Snapshot(per_group, _machine_busy())


def spent(before: Snapshot, after: Snapshot) -> tuple[dict[str, float], float]:
    """CPU seconds per group between the snapshots (largest first), and the machine's busy seconds."""
    groups = {g: after.per_group[g] - before.per_group.get(g, 0.0) for g in after.per_group}
    ordered = dict(sorted(((g, s) for g, s in groups.items() if s > 0), key=lambda item: -item[1]))
    return ordered, after.machine_busy - before.machine_busy


def lines(before: Snapshot, after: Snapshot, messages: int) -> list[str]:
    """The report: per group, CPU seconds, milliseconds per message and share of the machine's busy time."""
    groups, busy = spent(before, after)
    per = max(messages, 1)
    out = [f"CPU (whole machine busy {busy:.0f} s, {1000 * busy / per:.0f} ms per message):"]
    for group, seconds in groups.items():
        out.append(
            f"    {group:<18} {seconds:7.1f} s  {1000 * seconds / per:5.0f} ms/message  {100 * seconds / busy:4.0f} %"
        )
    return out


def _read(pid_file: Path) -> str:
    try:
        return pid_file.read_text().strip()
    except OSError:
        return ""


def _cpu_and_name(proc: Path) -> tuple[float, str] | None:
    """(user + system CPU seconds, command name) of a process; None once it has gone."""
    try:
        stat = (proc / "stat").read_text()
    except OSError:
        return None
    # the name is in parentheses and may hold spaces: the fields after it are split from its end
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / TICKS, name


def _machine_busy() -> float:
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in cpu[:8])
    return (user + nice + system + irq + softirq + steal) / TICKS

#@ description: Append a memory report (totals and the top {{count}} processes) to {{file}}
#@ slots: file=path count=count:10
#@ name: memory-report
#@ requires: memory ram
#@ writes: parent:file
#@ example: write a memory report to a file
#@ example: write a script that logs memory usage to /var/log/mem.log
#@ example: save the memory use of the top 5 processes to ~/mem.txt every hour
#@ example: record how much ram is free into a report file
#@ example: python script for a memory report
#!/usr/bin/env python3
"""Append the memory totals and the processes using the most memory to a report file."""

import os
import time
from pathlib import Path

REPORT = Path(os.path.expanduser({{file}}))
COUNT = {{count}}


def meminfo() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, value = line.split(":", 1)
        fields[key] = int(value.split()[0])  # kB
    return fields


def top_processes(count: int) -> list[tuple[int, int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        info = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss = int(info.get("VmRSS", "0 kB").split()[0])
        found.append((rss, int(entry.name), info.get("Name", "?").strip()))
    return sorted(found, reverse=True)[:count]


def main() -> None:
    mem = meminfo()
    lines = [
        f"== {time.strftime('%Y-%m-%d %H:%M:%S')}",
        f"total {mem['MemTotal'] // 1024} MB, available {mem['MemAvailable'] // 1024} MB",
    ]
    lines += [f"{rss // 1024:8d} MB  {pid:>7}  {name}" for rss, pid, name in top_processes(COUNT)]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"appended a memory report to {REPORT}")


if __name__ == "__main__":
    main()

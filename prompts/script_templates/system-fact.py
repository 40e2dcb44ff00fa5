#@ description: Print this machine's {{fact}}
#@ slots: fact=fact
#@ name: print
#@ requires: print prints show shows display output report tell say
#@ example: print the number of cpu cores
#@ example: write a python script that prints the hostname
#@ example: script that shows the kernel version
#@ example: print how much memory is available
#@ example: print the uptime and the load average
#!/usr/bin/env python3
"""Print one fact about this machine, read from the kernel's own files and calls."""

import os
import time

FACT = {{fact}}


def meminfo(key: str) -> str:
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return f"{int(line.split()[1]) // 1024} MB"
    return "unknown"


if FACT == "cpus":
    print(os.cpu_count())
elif FACT == "hostname":
    print(os.uname().nodename)
elif FACT == "kernel":
    print(os.uname().release)
elif FACT == "memory":
    print(f"total {meminfo('MemTotal')}, available {meminfo('MemAvailable')}")
elif FACT == "uptime":
    with open("/proc/uptime", encoding="ascii") as fh:
        print(f"up {float(fh.read().split()[0]) / 3600:.1f} hours")
elif FACT == "load":
    print(" ".join(f"{x:.2f}" for x in os.getloadavg()))
elif FACT == "date":
    print(time.strftime("%Y-%m-%d %H:%M:%S %Z"))

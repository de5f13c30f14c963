"""Estimates the wall time of a cold build on an idle N-core machine from per-unit CPU times.

    python3 bench/cold-build/estimate.py UNIT_GRAPH.json CPU_LOG TIMINGS.html [CORES]

UNIT_GRAPH: `cargo +nightly build ... --unit-graph -Z unstable-options` (the units and their
dependencies). CPU_LOG: one line per rustc run, `pkg crate kind user sys wall`, from the
RUSTC_WRAPPER. Build-script runs are not rustc: their time is taken from cargo's --timings
report (wall under load, so an overestimate). Two schedules bound the idle wall time:
- sequential units: each unit runs on one core (cargo's job slots), dependants wait for the
  whole unit (no pipelining on metadata): an upper bound;
- fluid: a unit's work spreads over every free core (rustc's codegen units), dependants still
  wait for the whole unit: closer to what rustc does with one big crate left.
"""
import heapq
import json
import re
import sys
from collections import defaultdict


def main():
    graph = json.load(open(sys.argv[1]))
    cores = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    cpu = defaultdict(list)
    for line in open(sys.argv[2]):
        parts = line.split()
        if len(parts) != 6:
            continue
        pkg, crate, kind, user, sys_, _ = parts
        try:
            cpu[(pkg, crate)].append(float(user) + float(sys_))
        except ValueError:  # "Command exited with non-zero status", from a failed probe
            continue
    html = open(sys.argv[3]).read()
    timing_units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
    runs = {u["name"]: u["duration"] for u in timing_units if u.get("mode") == "run-custom-build"}

    units = graph["units"]
    cost = []
    for u in units:
        pkg = re.search(r"#([^@]+)@", u["pkg_id"]) or re.search(r"/([^/#]+)#", u["pkg_id"])
        pkg = pkg.group(1)
        crate = u["target"]["name"].replace("-", "_")
        if u["mode"] == "run-custom-build":
            cost.append(runs.get(pkg, 0.5))
            continue
        key_crate = "build_script_build" if "custom-build" in u["target"]["kind"] else crate
        times = cpu.get((pkg, key_crate)) or cpu.get((pkg, crate))
        if not times:
            print(f"no CPU time for {pkg} {key_crate}", file=sys.stderr)
            cost.append(0.0)
            continue
        cost.append(times.pop(0))
    deps = [[d["index"] for d in u["dependencies"]] for u in units]
    total = sum(cost)

    # Critical path: longest chain of unit costs.
    memo = {}

    def longest(i):
        if i not in memo:
            memo[i] = cost[i] + max((longest(d) for d in deps[i]), default=0.0)
        return memo[i]

    critical = max(longest(i) for i in range(len(units)))

    def schedule(fluid):
        remaining = list(cost)
        waiting = [len(d) for d in deps]
        users = defaultdict(list)
        for i, ds in enumerate(deps):
            for d in ds:
                users[d].append(i)
        ready = [(-longest(i), i) for i in range(len(units)) if waiting[i] == 0]
        heapq.heapify(ready)
        running = []  # unit indices
        now = 0.0
        while ready or running:
            while ready and len(running) < cores:
                running.append(heapq.heappop(ready)[1])
            # Share of a core per running unit: fluid spreads free cores over them.
            share = cores / len(running) if fluid else 1.0
            share = min(share, cores)
            step = min(remaining[i] / share for i in running)
            now += step
            finished = []
            for i in running:
                remaining[i] -= step * share
                if remaining[i] <= 1e-9:
                    finished.append(i)
            for i in finished:
                running.remove(i)
                for j in users[i]:
                    waiting[j] -= 1
                    if waiting[j] == 0:
                        heapq.heappush(ready, (-longest(j), j))
        return now

    print(f"units {len(units)}  CPU {total:.1f} s  critical path {critical:.1f} s  "
          f"CPU/{cores} {total / cores:.1f} s")
    print(f"idle {cores}-core estimate: fluid {schedule(True):.1f} s, sequential units {schedule(False):.1f} s")
    top = sorted(range(len(units)), key=lambda i: -cost[i])[:8]
    print("largest units: " + ", ".join(f"{units[i]['target']['name']} {cost[i]:.1f}s" for i in top))


main()

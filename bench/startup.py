#!/usr/bin/env python3
"""Where `cohort simulate` spends its time outside the job (issue 23 #8); see docs/benchmarks.md.

    python3 bench/startup.py [--reps N] [--home DIR ...] [-- extra simulate flags]

Runs `bin/cohort simulate` (the default credit job) N times for each checkout given with --home
(default: this one), alternating between them so that they see the same machine load, and prints
per run:
  - wall time of the whole command, the job's own time ("COMPLETED in"), and the rest;
  - wall time of each phase, from the simulate output and the logs in the work directory:
    cli (launcher + CLI JVM until it prints), split+pki (partition tool + certificates),
    coord (coordinator process start until Quarkus says it started), nodes (coordinator ready
    until the last node registered, as the simulator waits), submit (last registration until the
    job is submitted), job, after (job end until the command exits: processes stopped, central
    baseline);
  - CPU seconds (user + system) of each kind of process, sampled from /proc every 0.1 s:
    the CLI JVM, the coordinator and the nodes until the job is submitted (start-up), the
    partition and central tools, and the whole process tree;
  - the 1-minute load average before the run (the machine may be shared).
Then medians per checkout. A checkout is a directory with bin/, examples/ and the built programs
(coordinator/target/quarkus-app, client-node/target, simulator/target).
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def children(pid):
    """Children of every thread of `pid` (a JVM starts processes from whichever thread asks)."""
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    out.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def role(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().split(b"\0")
    except OSError:
        return None
    text = b" ".join(cmd).decode(errors="replace")
    if "quarkus-run.jar" in text:
        return "coord"
    if "cohort-node.jar" in text:
        m = re.search(r"/(node\d+)\.yaml", text)
        if m:
            return m.group(1)
        for tool in ("partition", "central", "eval"):
            if f"cohort-node.jar {tool}" in text:
                return tool
        return "tool"
    if "cohort.jar" in text:
        return "cli"
    return None


class Sampler(threading.Thread):
    """CPU seconds per process of the tree under `root`, last seen, every 0.1 s."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root = root
        self.cpu = {}  # pid -> (role, seconds)
        self.stop = False
        self.lock = threading.Lock()

    def run(self):
        while not self.stop:
            todo, seen = [self.root], []
            while todo:
                p = todo.pop()
                seen.append(p)
                todo.extend(children(p))
            for p in seen:
                r = role(p)
                c = cpu_seconds(p)
                if r and c is not None:
                    with self.lock:
                        self.cpu[p] = (r, c)
            time.sleep(0.1)

    def by_role(self):
        out = {}
        with self.lock:
            for r, c in self.cpu.values():
                key = "nodes" if r.startswith("node") else r
                out[key] = out.get(key, 0.0) + c
        return out


def log_time(path, pattern, first=True):
    """Epoch seconds of the first (or last) line of `path` matching `pattern` (HH:MM:SS.mmm prefix, today)."""
    hit = None
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if re.search(pattern, line):
                    m = re.match(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d)", line)
                    if m:
                        hit = m
                        if first:
                            break
    except OSError:
        return None
    if not hit:
        return None
    h, mi, s, ms = (int(g) for g in hit.groups())
    today = datetime.datetime.now().replace(hour=h, minute=mi, second=s, microsecond=ms * 1000)
    return today.timestamp()


def one_run(home, extra):
    work = tempfile.mkdtemp(prefix="cohort-startup.")
    load = open("/proc/loadavg").read().split()[0]
    env = dict(os.environ)
    env.pop("COHORT_REBUILD", None)
    start = time.time()
    p = subprocess.Popen([os.path.join(home, "bin/cohort"), "simulate", "--work-dir", work] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=home)
    sampler = Sampler(p.pid)
    sampler.start()
    marks, startup_cpu, output = {}, {}, []
    for line in p.stdout:
        now = time.time()
        output.append(line)
        for key, pat in (("simulating", r"^simulating"), ("transport", r"^transport:"),
                         ("submitted", r"^job \S+ submitted"), ("completed", r"^job \S+ (COMPLETED|FAILED)")):
            if key not in marks and re.search(pat, line):
                marks[key] = now
                if key == "submitted":
                    startup_cpu = sampler.by_role()
        m = re.search(r"COMPLETED in ([0-9.]+) s", line)
        if m:
            marks["job_s"] = float(m.group(1))
    rc = p.wait()
    end = time.time()
    time.sleep(0.15)
    sampler.stop = True
    final_cpu = sampler.by_role()
    if rc != 0 or "job_s" not in marks:
        print(f"# simulate failed in {home} (exit {rc}, load {load}); work dir {work}:", flush=True)
        print("".join("#   " + l for l in output[-3:]), end="", flush=True)
        return None
    coord_ready = log_time(os.path.join(work, "coordinator.log"), r"\[quarkus\].* started in")
    nodes_reg = [log_time(os.path.join(work, f), r"registered with coordinator")
                 for f in os.listdir(work) if re.fullmatch(r"node\d+\.log", f)]
    last_reg = max(t for t in nodes_reg if t) if nodes_reg and all(nodes_reg) else None
    row = {
        "load": float(load),
        "wall": end - start,
        "job": marks["job_s"],
        "outside": end - start - marks["job_s"],
        "cli": marks["simulating"] - start,
        "split+pki": marks["transport"] - marks["simulating"],
        "coord": (coord_ready - marks["transport"]) if coord_ready else float("nan"),
        "nodes": (last_reg - coord_ready) if last_reg and coord_ready else float("nan"),
        "submit": (marks["submitted"] - last_reg) if last_reg else float("nan"),
        "after": end - marks["completed"],
        "cpu_cli": final_cpu.get("cli", 0.0),
        "cpu_coord": startup_cpu.get("coord", 0.0),
        "cpu_nodes": startup_cpu.get("nodes", 0.0),
        "cpu_part": final_cpu.get("partition", 0.0),
        "cpu_central": final_cpu.get("central", 0.0),
        "cpu_total": sum(final_cpu.values()),
    }
    subprocess.run(["rm", "-rf", work])
    return row


COLUMNS = ["load", "wall", "job", "outside", "cli", "split+pki", "coord", "nodes", "submit", "after",
           "cpu_cli", "cpu_coord", "cpu_nodes", "cpu_part", "cpu_central", "cpu_total"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--home", action="append", help="checkout to run (repeatable); default: this one")
    ap.add_argument("extra", nargs="*", help="extra flags for cohort simulate (after --)")
    args = ap.parse_args()
    homes = args.home or [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    rows = {h: [] for h in homes}
    header = f"{'checkout':<28}" + "".join(f"{c:>12}" for c in COLUMNS)
    print("seconds; cpu_* = CPU seconds (user+sys); cpu_coord, cpu_nodes: until the job is submitted (start-up)")
    print(header)
    for _ in range(args.reps):
        for h in homes:
            r = one_run(h, args.extra)
            if r is None:
                continue
            rows[h].append(r)
            print(f"{h[-28:]:<28}" + "".join(f"{r[c]:12.2f}" for c in COLUMNS), flush=True)
    print("median")
    for h in homes:
        if not rows[h]:
            print(f"{h[-28:]:<28} (no run completed)")
            continue
        med = {c: statistics.median(r[c] for r in rows[h]) for c in COLUMNS}
        print(f"{h[-28:]:<28}" + "".join(f"{med[c]:12.2f}" for c in COLUMNS))


if __name__ == "__main__":
    main()

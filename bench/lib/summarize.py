#!/usr/bin/env python3
"""Turn /usr/bin/time -v files into a Markdown results table.

Usage: summarize.py RUNDIR

RUNDIR holds:
  rows-<size>-<tool>          the verified row count for that tool and size
  time-<size>-<tool>-<round>  /usr/bin/time -v output of one timed round
  cpu-<size>-<tool>-<round>   "busy% machine_ticks server_ticks": how busy
                              the machine was just before the round, and
                              the busy CPU ticks (1/100 s) of the whole
                              machine and of the server during it
  sizes, tools                one name per line, in the order to print

The median wall time over the rounds gives rows/s; the ratio compares each
tool's rows/s with the mariadb client's at the same size; peak RSS is the
largest "Maximum resident set size" over all rounds of that tool and size.
CPU columns are medians over the rounds: the tool's user+system seconds,
the server's, and the rest of the machine's ("other", work that was neither,
which on a shared machine slows a round down; the largest is shown).
Bench tooling only, standard library only.
"""

import os
import re
import statistics
import sys

BASELINE = "mariadb-client"


def wall_seconds(text):
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)",
                  text)
    if not m:
        raise ValueError("no wall clock line")
    secs = 0.0
    for part in m.group(1).split(":"):
        secs = secs * 60 + float(part)
    return secs


def peak_rss_kb(text):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if not m:
        raise ValueError("no max RSS line")
    return int(m.group(1))


def cpu_seconds(text):
    total = 0.0
    for what in ("User", "System"):
        m = re.search(r"%s time \(seconds\): (\S+)" % what, text)
        total += float(m.group(1))
    return total


def exit_status(text):
    m = re.search(r"Exit status: (\d+)", text)
    return int(m.group(1)) if m else -1


def read_lines(path):
    with open(path) as f:
        return [ln.strip() for ln in f if ln.strip()]


def collect(rundir, size, tool):
    """Per round: (wall s, peak RSS kB, tool CPU s, server CPU s, other s)."""
    rounds = []
    pat = re.compile(r"time-%s-%s-(\d+)$" % (re.escape(size),
                                             re.escape(tool)))
    for name in sorted(os.listdir(rundir)):
        if not pat.match(name):
            continue
        with open(os.path.join(rundir, name)) as f:
            text = f.read()
        if exit_status(text) != 0:
            raise SystemExit("%s: command failed (exit %d)"
                             % (name, exit_status(text)))
        cpu_name = os.path.join(rundir, "cpu-" + name[len("time-"):])
        _, machine, server = (int(x) for x in read_lines(cpu_name)[0].split())
        tool_cpu = cpu_seconds(text)
        other = max(0.0, machine / 100.0 - server / 100.0 - tool_cpu)
        rounds.append((wall_seconds(text), peak_rss_kb(text), tool_cpu,
                       server / 100.0, other))
    return rounds


def main():
    rundir = sys.argv[1]
    sizes = read_lines(os.path.join(rundir, "sizes"))
    tools = read_lines(os.path.join(rundir, "tools"))
    print("| table | tool | rows | median s | rounds s | rows/s "
          "| ratio to client | peak RSS MB | tool CPU s | server CPU s "
          "| other CPU s (max) |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        base_rate = None
        for tool in tools:
            rounds = collect(rundir, size, tool)
            if not rounds:
                continue
            rows_path = os.path.join(rundir, "rows-%s-%s" % (size, tool))
            rows = int(read_lines(rows_path)[0])
            walls = [r[0] for r in rounds]
            med = statistics.median(walls)
            rate = rows / med
            if tool == BASELINE:
                base_rate = rate
            ratio = "%.2f" % (rate / base_rate) if base_rate else "n/a"
            print("| %s | %s | %d | %.2f | %s | %.0f | %s | %.1f "
                  "| %.2f | %.2f | %.2f |" % (
                      size, tool, rows, med,
                      " ".join("%.2f" % w for w in walls), rate, ratio,
                      max(r[1] for r in rounds) / 1024.0,
                      statistics.median(r[2] for r in rounds),
                      statistics.median(r[3] for r in rounds),
                      max(r[4] for r in rounds)))


if __name__ == "__main__":
    main()

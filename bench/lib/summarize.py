#!/usr/bin/env python3
"""Turn /usr/bin/time -v files into a Markdown results table.

Usage: summarize.py RUNDIR

RUNDIR holds:
  rows-<size>-<tool>          the verified row count for that tool and size
  time-<size>-<tool>-<round>  /usr/bin/time -v output of one timed round
  sizes, tools                one name per line, in the order to print

The median wall time over the rounds gives rows/s; the ratio compares each
tool's rows/s with the mariadb client's at the same size; peak RSS is the
largest "Maximum resident set size" over all rounds of that tool and size.
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


def exit_status(text):
    m = re.search(r"Exit status: (\d+)", text)
    return int(m.group(1)) if m else -1


def read_lines(path):
    with open(path) as f:
        return [ln.strip() for ln in f if ln.strip()]


def collect(rundir, size, tool):
    walls, rss = [], []
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
        walls.append(wall_seconds(text))
        rss.append(peak_rss_kb(text))
    return walls, rss


def main():
    rundir = sys.argv[1]
    sizes = read_lines(os.path.join(rundir, "sizes"))
    tools = read_lines(os.path.join(rundir, "tools"))
    print("| table | tool | rows | rounds | median s | all rounds s "
          "| rows/s | ratio to mariadb client | peak RSS MB |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|")
    for size in sizes:
        base_rate = None
        for tool in tools:
            walls, rss = collect(rundir, size, tool)
            if not walls:
                continue
            rows_path = os.path.join(rundir, "rows-%s-%s" % (size, tool))
            rows = int(read_lines(rows_path)[0])
            med = statistics.median(walls)
            rate = rows / med
            if tool == BASELINE:
                base_rate = rate
            ratio = "%.2f" % (rate / base_rate) if base_rate else "n/a"
            print("| %s | %s | %d | %d | %.2f | %s | %.0f | %s | %.1f |" % (
                size, tool, rows, len(walls), med,
                " ".join("%.2f" % w for w in walls), rate, ratio,
                max(rss) / 1024.0))


if __name__ == "__main__":
    main()

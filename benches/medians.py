#!/usr/bin/env python3
"""Print criterion medians and ratios for the carewire benches as a Markdown table.

Usage: python3 benches/medians.py [target/criterion]
Reads <dir>/<group>/<function>/new/estimates.json (written by `cargo bench`); for each
group prints every function's median time and throughput, and the ratio of the fastest
peer's median to each carewire function's median (higher = carewire faster).
"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"
rows = {}
for dirpath, _dirs, files in os.walk(root):
    if "estimates.json" in files and dirpath.endswith(os.sep + "new"):
        bench = os.path.dirname(dirpath)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            median_ns = json.load(f)["median"]["point_estimate"]
        bjson = os.path.join(dirpath, "benchmark.json")
        with open(bjson) as f:
            meta = json.load(f)
        group = meta["group_id"]
        func = meta["function_id"] or ""
        tp = meta.get("throughput") or {}
        nbytes = tp.get("Bytes")
        # Throughput::Elements (messages): shown as messages per second.
        nelems = tp.get("Elements")
        rows.setdefault(group, []).append((func, median_ns, nbytes, nelems))

def fmt_time(ns):
    if ns >= 1_000_000:
        return f"{ns / 1_000_000:.2f} ms"
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"

for group in sorted(rows):
    funcs = sorted(rows[group])
    # rust-hl7's "write" is Display copying its retained source string, not a
    # serializer, so it is shown but not used as the reference for the ratio.
    peers = [
        m
        for (fn, m, _, _) in funcs
        if "carewire" not in fn and not ("/write/" in group and fn == "rust-hl7")
    ]
    best_peer = min(peers) if peers else None
    print(f"\n### {group}\n")
    print("| implementation | median | throughput | speed-up vs fastest peer |")
    print("|---|---:|---:|---:|")
    for fn, m, nbytes, nelems in funcs:
        thr = f"{nbytes / m:.2f} GB/s" if nbytes else ""
        if nelems:
            thr = f"{nelems / m * 1e6:.1f}k msgs/s"
        if nbytes and nbytes / m < 1:
            thr = f"{nbytes / m * 1000:.0f} MB/s"
        ratio = f"{best_peer / m:.1f}×" if (best_peer and "carewire" in fn) else ""
        print(f"| {fn} | {fmt_time(m)} | {thr} | {ratio} |")

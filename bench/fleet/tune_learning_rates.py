#!/usr/bin/env python3
"""Tuning sweep of the fleet time-to-target study: every method over the same grid of base learning rates
and two values of its main knob (bench/fleet/study_settings.py), on one data set and fleet. Each run
writes one JSON line with its P@1 curve on the run clock; the sweep resumes where a previous one stopped.
Then `--report` picks each method's fastest setting to a target and writes the tuned settings that
bench/fleet/time_to_target.sh runs on every fleet.

  bench/fleet/tune_learning_rates.py BUILD --data synthetic --fleet heterogeneous-4 --out runs.jsonl [--jobs 2]
  bench/fleet/tune_learning_rates.py --report runs.jsonl --target 0.5 [--tuned tuned.json]
"""

import argparse
import concurrent.futures
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import study_settings as study  # noqa: E402

EVAL_LINE = re.compile(r"^t=([0-9.eE+-]+)s epoch=([0-9.]+) samples=\d+ .*\bp@1=([0-9.eE+-]+)")


def run_one(cli, data, fleet_name, method, knob_value, lr, stop_at):
    method_block, optimizer_extras = study.method_setting(data, method, knob_value)
    config = study.run_config(data, fleet_name, method_block, optimizer_extras, lr, stop_at)
    summary, finished, wall = study.run_cli(cli, config)
    series = []
    for line in finished.stdout.splitlines():
        match = EVAL_LINE.match(line)
        if match:
            series.append((float(match.group(1)), float(match.group(3))))
    summary = summary or {}
    return {"data": data, "fleet": fleet_name, "method": method, "knob": study.MAIN_KNOBS[method][0],
            "value": knob_value, "lr": lr, "status": summary.get("status", "failed"),
            "epochs": summary.get("epochs"), "run_clock_s": summary.get("run_clock_s"), "wall_s": wall,
            "series": series, "error": finished.stderr.strip()[-300:] if finished.returncode else ""}


def sweep(arguments):
    cli = os.path.join(arguments.build, "app", "trainbench-cli")
    done = set()
    if os.path.exists(arguments.out):
        with open(arguments.out) as f:
            for line in f:
                r = json.loads(line)
                done.add((r["method"], r["value"], r["lr"]))
    jobs = []
    for method in arguments.methods or study.METHODS:
        for value in study.MAIN_KNOBS[method][1]:
            for lr in study.DATA[arguments.data]["learning_rates"]:
                if (method, value, lr) not in done:
                    jobs.append((method, value, lr))
    with concurrent.futures.ThreadPoolExecutor(arguments.jobs) as pool, open(arguments.out, "a") as out:
        futures = [pool.submit(run_one, cli, arguments.data, arguments.fleet, m, v, lr, arguments.stop_at)
                   for m, v, lr in jobs]
        for future in concurrent.futures.as_completed(futures):
            r = future.result()
            out.write(study.dump(r) + "\n")
            out.flush()
            best = max((p for _, p in r["series"]), default=float("nan"))
            print(f"{r['method']:16} {r['knob']}={r['value']:<6} lr={r['lr']:<5} {r['status']:9} "
                  f"best P@1 {best:.3f} at {r['epochs']} epochs, {r['wall_s']:.0f} s wall", flush=True)


def report(arguments):
    with open(arguments.report) as f:
        runs = [json.loads(line) for line in f]
    tuned = {}
    learning_rates = study.DATA[runs[0]["data"]]["learning_rates"]
    print(f"target P@1 {arguments.target}: run-clock seconds to target for each setting ('-': not reached)\n")
    for method in study.METHODS:
        mine = [r for r in runs if r["method"] == method]
        if not mine:
            continue
        knob = study.MAIN_KNOBS[method][0]
        values = study.MAIN_KNOBS[method][1]
        print(f"{method} ({knob} x lr)")
        print("  " + f"{knob:>16}" + "".join(f"{lr:>10}" for lr in learning_rates))
        best = None
        for value in values:
            cells = []
            for lr in learning_rates:
                r = next((r for r in mine if r["value"] == value and r["lr"] == lr), None)
                t = study.time_to_target(r["series"], arguments.target) if r else None
                cells.append("-" if t is None else f"{t:.4f}")
                if t is not None and (best is None or t < best[0]):
                    best = (t, value, lr)
            print("  " + f"{value:>16}" + "".join(f"{c:>10}" for c in cells))
        if best is None:
            print("  not reached with any setting\n")
            continue
        t, value, lr = best
        edge = " (at the edge of the grid)" if lr in (learning_rates[0], learning_rates[-1]) else ""
        print(f"  fastest: {knob}={value}, lr={lr}: {t:.4f} s{edge}\n")
        method_block, optimizer_extras = study.method_setting(runs[0]["data"], method, value)
        tuned[method] = {"method": method_block, "optimizer": dict({"kind": "sgd", "lr": lr}, **optimizer_extras)}
    if arguments.tuned:
        with open(arguments.tuned, "w") as out:
            json.dump({"data": runs[0]["data"], "tuned_on": runs[0]["fleet"], "target": arguments.target,
                       "methods": tuned}, out, indent=1)
            out.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build", nargs="?", default="build")
    parser.add_argument("--data", choices=list(study.DATA), default="synthetic")
    parser.add_argument("--fleet", choices=list(study.FLEETS), default="heterogeneous-4")
    parser.add_argument("--methods", nargs="*")
    parser.add_argument("--out", default="fleet_tuning.jsonl")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--stop-at", type=float, default=0.75, help="P@1 at which a run stops early")
    parser.add_argument("--report", help="a sweep's JSON lines to report on instead of running")
    parser.add_argument("--target", type=float, default=0.5)
    parser.add_argument("--tuned", help="where --report writes each method's fastest setting")
    arguments = parser.parse_args()
    if arguments.report:
        report(arguments)
    else:
        sweep(arguments)


if __name__ == "__main__":
    main()

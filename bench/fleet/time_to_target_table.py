#!/usr/bin/env python3
"""The time-to-target table of the fleet study: each method with its tuned setting (the file that
`tune_learning_rates.py --report --tuned` wrote) on every fleet of study_settings.FLEETS, on the simulated
clock. Prints a Markdown table of run-clock seconds to the target P@1 ("not reached" within the epoch
budget), the epochs each run needed, and the simulator's own speed: simulated device-seconds (run clock
times devices) per wall second, over the runs of each fleet.

  bench/fleet/time_to_target_table.py BUILD TUNED.json [--fleets F...] [--json OUT]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import study_settings as study  # noqa: E402


def run(cli, config):
    summary, finished, wall = study.run_cli(cli, config, ["--quiet"])
    if finished.returncode != 0 or summary is None:
        raise RuntimeError(f"{config['name']} failed: {finished.stderr.strip()[-500:]}")
    summary["process_wall_s"] = wall
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build")
    parser.add_argument("tuned")
    parser.add_argument("--fleets", nargs="*", default=list(study.FLEETS))
    parser.add_argument("--max-epochs", type=float, help="epoch budget of every run (default: the sweep's)")
    parser.add_argument("--json", help="also write every run's summary here")
    arguments = parser.parse_args()
    cli = os.path.join(arguments.build, "app", "trainbench-cli")
    with open(arguments.tuned) as f:
        tuned = json.load(f)
    data, target, methods = tuned["data"], tuned["target"], list(tuned["methods"])

    budget = arguments.max_epochs or study.DATA[data]["max_epochs"]
    print(f"{data}, target P@1 {target}, settings tuned on {tuned['tuned_on']}, at most {budget:g} epochs: run-clock "
          f"seconds to target (epochs)\n")
    print("| fleet | " + " | ".join(methods) + " | simulated device-s per wall s |")
    print("|---" * (len(methods) + 2) + "|")
    results = []
    for fleet_name in arguments.fleets:
        cells, simulated, wall = [], 0.0, 0.0
        for method in methods:
            setting = tuned["methods"][method]
            config = study.run_config(data, fleet_name, setting["method"], {}, 0, target)
            config["optimizer"] = setting["optimizer"]
            if arguments.max_epochs:
                config["stop"]["max_epochs"] = arguments.max_epochs
            summary = run(cli, config)
            t = summary.get("time_to_target_s")
            cells.append("not reached" if t is None else f"{t:.4f} ({summary['epochs']:.2f})")
            simulated += summary["run_clock_s"] * len(study.FLEETS[fleet_name])
            wall += summary["wall_s"]
            results.append({"fleet": fleet_name, "method": method, "summary": summary})
        print(f"| {fleet_name} | " + " | ".join(cells) + f" | {simulated / wall:.3f} |", flush=True)
    if arguments.json:
        with open(arguments.json, "w") as out:
            json.dump(results, out, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Tables of a multi-task study from its run store: for every method and training fraction, the mean and
sample standard deviation over the splits of each metric, the paired comparison with single-task ridge on
the same splits, and how many final fits stopped unconverged.

    build/app/trainbench-cli study mtl_school_study --jobs 2 --db study.sqlite
    python3 bench/multitask/school_study_table.py study.sqlite [--study mtl-school-study]

Run names are STUDY/METHOD/FRACTION/splitN (core/studies/multi_task_study.h)."""

import argparse
import collections
import sqlite3
import statistics


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--study", default="mtl-school-study")
    parser.add_argument("--baseline", default="single-task ridge")
    arguments = parser.parse_args()
    store = sqlite3.connect(f"file:{arguments.store}?mode=ro", uri=True)
    runs = {}
    for run_id, name in store.execute("SELECT id, name FROM runs WHERE name LIKE ?", (arguments.study + "/%",)):
        _, method, fraction, split = name.split("/")
        runs[run_id] = (method, fraction, int(split.removeprefix("split")))
    values = collections.defaultdict(dict)  # (method, fraction, metric) -> {split: value}
    for run_id, key, value in store.execute("SELECT run, key, value FROM metrics ORDER BY step"):
        if run_id in runs and value is not None:
            method, fraction, split = runs[run_id]
            values[(method, fraction, key)][split] = value
    unconverged = collections.Counter()
    for run_id, text in store.execute("SELECT run, text FROM logs WHERE text LIKE 'stopped unconverged%'"):
        if run_id in runs:
            unconverged[runs[run_id][:2]] += 1
    methods = list(dict.fromkeys(method for method, _, _ in runs.values()))
    fractions = sorted(set(fraction for _, fraction, _ in runs.values()), key=lambda f: int(f.rstrip("%")))

    for metric in ("explained_variance", "nmse", "task_nmse"):
        print(f"\n| {metric} | " + " | ".join(fractions) + " |")
        print("|---|" + "---|" * len(fractions))
        for method in methods:
            cells = []
            for fraction in fractions:
                found = values.get((method, fraction, metric), {})
                if not found:
                    cells.append("-")
                    continue
                numbers = list(found.values())
                spread = statistics.stdev(numbers) if len(numbers) > 1 else 0.0
                cells.append(f"{statistics.mean(numbers):.4f} +- {spread:.4f} ({len(numbers)})")
            print(f"| {method} | " + " | ".join(cells) + " |")

    print(f"\nExplained variance against {arguments.baseline} on the same split: mean difference, splits won")
    print("| method | " + " | ".join(fractions) + " |")
    print("|---|" + "---|" * len(fractions))
    for method in methods:
        if method == arguments.baseline:
            continue
        cells = []
        for fraction in fractions:
            ours = values.get((method, fraction, "explained_variance"), {})
            base = values.get((arguments.baseline, fraction, "explained_variance"), {})
            shared = sorted(set(ours) & set(base))
            if not shared:
                cells.append("-")
                continue
            differences = [ours[s] - base[s] for s in shared]
            wins = sum(1 for d in differences if d > 0)
            cells.append(f"{statistics.mean(differences):+.4f}, {wins}/{len(shared)}")
        print(f"| {method} | " + " | ".join(cells) + " |")
    if unconverged:
        print("\nFinal fits that stopped at max_iterations: " +
              ", ".join(f"{method} at {fraction}: {count}" for (method, fraction), count in sorted(unconverged.items())))
    else:
        print("\nEvery final fit converged.")


if __name__ == "__main__":
    main()

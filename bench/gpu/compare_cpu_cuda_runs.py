#!/usr/bin/env python3
"""Compares runs of the same experiment on the CPU and on CUDA from their --summary-json files.

    compare_cpu_cuda_runs.py OUT_DIR CASE [CASE ...]

reads OUT_DIR/CASE_cpu.json and OUT_DIR/CASE_cuda.json for each case and prints, per backend, the status,
the accuracy, the run clock, the progress and the peak memory, then the accuracy difference between the
two backends (within 0.01 or not).
"""

import json
import sys


def main():
    out, cases = sys.argv[1], sys.argv[2:]
    for case in cases:
        accuracy = {}
        for backend in ("cpu", "cuda"):
            try:
                with open(f"{out}/{case}_{backend}.json") as file:
                    summary = json.load(file)
            except (OSError, ValueError) as error:
                print(f"{case} on {backend}: summary unreadable: {error}")
                continue
            accuracy[backend] = summary["metrics"].get("accuracy")
            peak = next(iter(summary.get("peak_memory_bytes", {}).values()), {})
            print(f"{case} on {backend}: {summary['status']}, accuracy {accuracy[backend]}, run clock "
                  f"{summary['run_clock_s']:.3f} s, progress {summary['epochs']:.2f}, peak "
                  f"{peak.get('total', 0) / 2**20:.1f} MiB {summary.get('error', '')}")
        if len(accuracy) == 2 and None not in accuracy.values():
            gap = abs(accuracy["cpu"] - accuracy["cuda"])
            print(f"{case}: cpu - cuda accuracy difference {gap:.4f} ({'within' if gap <= 0.01 else 'NOT within'} 0.01)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The multi-task solvers' objectives against reference solves with cvxpy.

Reads the JSON file of bench/multitask/multi_task_solver_objectives (its layout is described at the top
of that program), solves every problem at every setting again with cvxpy and the Clarabel interior-point
solver at tight tolerances, and prints, per solve, our objective, the reference objective and their
relative difference. Exits 1 when any relative difference exceeds --tolerance (1e-6), 0 otherwise.

The reference formulations are written here from each objective's definition, with an explicit
unpenalized intercept b_t per task instead of the centering the solvers use:

    single_task_ridge            sum_t 1/2 ||X_t w_t + b_t - y_t||^2 + lambda/2 ||W||_F^2
    pooled_ridge                 sum_t 1/2 ||X_t w + b_t - y_t||^2 + lambda/2 ||w||^2
    trace_norm_regression        loss + lambda ||W||_*
    dirty_model                  loss(P + Q) + lambda_shared sum_j max_t |P_jt| + lambda_specific sum |Q_jt|
    multi_task_feature_learning  loss + gamma/2 ||[W, sqrt(epsilon) I]||_*^2   (Argyriou et al. 2008: the
                                 minimum over D of gamma/2 [tr(W^T D^-1 W) + epsilon tr(D^-1)], tr D <= 1,
                                 is gamma/2 (tr (W W^T + epsilon I)^(1/2))^2, the squared trace norm of
                                 [W, sqrt(epsilon) I]), a semidefinite program in cvxpy

Both objectives compared are evaluated here in NumPy from the weights (ours from the file, the reference
from cvxpy's solution), each with its best intercepts, so a conic reformulation's slack cannot blur the
figures; the objective our program reported is checked against our weights' NumPy value as well.

Other solvers (clustered multi-task learning, MTRL) add an entry to OBJECTIVES and REFERENCES from their
own script: `from reference_objectives import OBJECTIVES, REFERENCES, main` and call main().

    python3 bench/multitask/reference_objectives.py objectives.json [--tolerance 1e-6]
"""

import argparse
import json
import sys
import time
import warnings

import numpy as np
import cvxpy as cp


# Clarabel's tolerances at 1e-10: its defaults (1e-8) leave the objective a few units in the 8th digit
# off, too close to the 1e-6 being checked, and at 1e-12 its semidefinite solves (trace norms) stop as
# "optimal_inaccurate".
CLARABEL_SETTINGS = dict(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, tol_ktratio=1e-8,
                         max_iter=500)


class Problem:
    """One problem's tasks as NumPy arrays, and its loss with each task's best intercept."""

    def __init__(self, record):
        self.features = record["features"]
        self.X = [np.array(task["features"], dtype=float).reshape(task["rows"], self.features)
                  for task in record["tasks"]]
        self.y = [np.array(task["targets"], dtype=float) for task in record["tasks"]]
        self.tasks = len(self.X)

    def loss(self, W):
        """sum_t 1/2 ||X_t w_t + b_t - y_t||^2 at the best b_t (the residual's mean removed)."""
        total = 0.0
        for t in range(self.tasks):
            r = self.X[t] @ W[:, t] - self.y[t]
            r = r - r.mean()
            total += 0.5 * float(r @ r)
        return total

    def cvxpy_loss(self, W, intercepts):
        return sum(0.5 * cp.sum_squares(self.X[t] @ W[:, t] + intercepts[t] - self.y[t]) for t in range(self.tasks))


def nuclear_norm(matrix):
    return float(np.linalg.svd(matrix, compute_uv=False).sum())


def feature_learning_penalty(W, gamma, epsilon):
    eigenvalues = np.linalg.eigvalsh(W @ W.T + epsilon * np.eye(W.shape[0]))
    return 0.5 * gamma * float(np.sqrt(np.maximum(eigenvalues, epsilon)).sum()) ** 2


def matrix(rows):
    return np.array(rows, dtype=float)


# Each solver's objective at given weights: (problem, settings, weights as a dict of arrays) -> value.
OBJECTIVES = {
    "single_task_ridge": lambda p, s, w: p.loss(w["weights"]) + 0.5 * s["lambda"] * float((w["weights"] ** 2).sum()),
    "pooled_ridge": lambda p, s, w: p.loss(w["weights"]) + 0.5 * s["lambda"] * float((w["weights"][:, 0] ** 2).sum()),
    "trace_norm_regression": lambda p, s, w: p.loss(w["weights"]) + s["lambda"] * nuclear_norm(w["weights"]),
    "dirty_model": lambda p, s, w: (p.loss(w["shared"] + w["specific"])
                                    + s["lambda_shared"] * float(np.abs(w["shared"]).max(axis=1).sum())
                                    + s["lambda_specific"] * float(np.abs(w["specific"]).sum())),
    "multi_task_feature_learning": lambda p, s, w: (p.loss(w["weights"])
                                                    + feature_learning_penalty(w["weights"], s["gamma"], s["epsilon"])),
}


def solve(problem, objective, variables):
    """Minimizes with Clarabel; returns the variables' values and the solver's status (cvxpy's
    "optimal_inaccurate" when Clarabel stopped short of its tolerances)."""
    program = cp.Problem(cp.Minimize(objective))
    with warnings.catch_warnings():
        # The status column says it; cvxpy's warning would only repeat it without naming the solve.
        warnings.simplefilter("ignore", UserWarning)
        program.solve(solver=cp.CLARABEL, **CLARABEL_SETTINGS)
    values = {name: np.array(variable.value) for name, variable in variables.items()}
    values["status"] = program.status
    return values


def reference_single_task_ridge(p, s):
    W, b = cp.Variable((p.features, p.tasks)), cp.Variable(p.tasks)
    return solve(p, p.cvxpy_loss(W, b) + 0.5 * s["lambda"] * cp.sum_squares(W), {"weights": W})


def reference_pooled_ridge(p, s):
    w, b = cp.Variable(p.features), cp.Variable(p.tasks)
    W = cp.vstack([w] * p.tasks).T
    result = solve(p, p.cvxpy_loss(W, b) + 0.5 * s["lambda"] * cp.sum_squares(w), {"w": w})
    return {"weights": np.tile(result["w"][:, None], (1, p.tasks)), "status": result["status"]}


def reference_trace_norm_regression(p, s):
    W, b = cp.Variable((p.features, p.tasks)), cp.Variable(p.tasks)
    return solve(p, p.cvxpy_loss(W, b) + s["lambda"] * cp.normNuc(W), {"weights": W})


def reference_dirty_model(p, s):
    P, Q, b = cp.Variable((p.features, p.tasks)), cp.Variable((p.features, p.tasks)), cp.Variable(p.tasks)
    objective = (p.cvxpy_loss(P + Q, b) + s["lambda_shared"] * cp.sum(cp.max(cp.abs(P), axis=1))
                 + s["lambda_specific"] * cp.sum(cp.abs(Q)))
    return solve(p, objective, {"shared": P, "specific": Q})


def reference_multi_task_feature_learning(p, s):
    W, b = cp.Variable((p.features, p.tasks)), cp.Variable(p.tasks)
    augmented = cp.hstack([W, np.sqrt(s["epsilon"]) * np.eye(p.features)])
    objective = p.cvxpy_loss(W, b) + 0.5 * s["gamma"] * cp.square(cp.normNuc(augmented))
    return solve(p, objective, {"weights": W})


# Each solver's reference solve: (problem, settings) -> weights as a dict of arrays, keyed as OBJECTIVES
# reads, plus "status".
REFERENCES = {
    "single_task_ridge": reference_single_task_ridge,
    "pooled_ridge": reference_pooled_ridge,
    "trace_norm_regression": reference_trace_norm_regression,
    "dirty_model": reference_dirty_model,
    "multi_task_feature_learning": reference_multi_task_feature_learning,
}


def our_weights(solve_record):
    return {key: matrix(solve_record[key]) for key in ("weights", "shared", "specific") if key in solve_record}


def compare(document, tolerance):
    """Prints one line per solve; the relative difference is signed, (ours - reference) / |reference|, so a
    negative figure means the reference stopped above our objective. Answers whether all are within
    tolerance."""
    problems = [Problem(record) for record in document["problems"]]
    worst = 0.0
    failures = 0
    print(f"{'problem':>7}  {'solver':<28} {'settings':<42} {'ours':>20} {'reference':>20} {'rel. diff':>10}"
          f" {'reported':>9} {'reference status':<18} {'ref. s':>6}")
    for record in document["solves"]:
        solver = record["solver"]
        if solver not in REFERENCES:
            print(f"{record['problem']:>7}  {solver:<28} skipped: no reference solve here")
            continue
        problem = problems[record["problem"]]
        settings = record["settings"]
        ours = OBJECTIVES[solver](problem, settings, our_weights(record))
        started = time.perf_counter()
        solution = REFERENCES[solver](problem, settings)
        seconds = time.perf_counter() - started
        reference = OBJECTIVES[solver](problem, settings, solution)
        difference = (ours - reference) / abs(reference)
        # Our program's own figure for its objective against the same weights evaluated here.
        reported = abs(record["objective"] - ours) / abs(ours)
        worst = max(worst, abs(difference), reported)
        failed = abs(difference) > tolerance or reported > tolerance
        failures += failed
        settings_text = ", ".join(f"{key} {value:.4g}" for key, value in settings.items())
        print(f"{record['problem']:>7}  {solver:<28} {settings_text:<42} {ours:>20.14g} {reference:>20.14g}"
              f" {difference:>10.2e} {reported:>9.1e} {solution['status']:<18} {seconds:>6.2f}"
              f"{'  FAIL' if failed else ''}")
    print(f"largest relative difference {worst:.3g} (tolerance {tolerance:g}); {failures} above it")
    return failures == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("objectives", help="the JSON file multi_task_solver_objectives wrote")
    parser.add_argument("--tolerance", type=float, default=1e-6, help="largest relative difference accepted")
    arguments = parser.parse_args(argv)
    with open(arguments.objectives) as handle:
        document = json.load(handle)
    return 0 if compare(document, arguments.tolerance) else 1


if __name__ == "__main__":
    sys.exit(main())

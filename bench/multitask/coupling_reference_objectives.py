#!/usr/bin/env python3
"""The task-coupling solvers' objectives (clustered multi-task learning, MTRL) against cvxpy.

Reads the JSON file of bench/multitask/coupling_solver_objectives, solves every problem at every setting
again with cvxpy and Clarabel, and prints ours, the reference and their relative difference through
reference_objectives.py's comparison (same columns, same --tolerance, exit 1 above it). The reference
formulations are written here from each paper's objective, with an explicit unpenalized intercept per task
and the structure matrix as a variable of a semidefinite program:

    clustered_multi_task    loss + rho1 eta (1 + eta) tr(W (eta I + M)^-1 W^T), eta = rho2 / rho1,
                            subject to tr M = k, 0 <= M <= I (Zhou, Chen and Ye, NIPS 2011, cCMTL);
                            tr(W P^-1 W^T) is cvxpy's matrix_frac(W^T, P), jointly convex in (W, P)
    task_relation_learning  loss + lambda1/2 ||W||_F^2 + lambda2/2 tr((W^T W + epsilon I) Omega^-1),
                            subject to tr Omega = 1, Omega positive definite (Zhang and Yeung, UAI 2010,
                            with the solver's epsilon, read from the settings); the penalty is
                            matrix_frac([W^T, sqrt(epsilon) I], Omega)

Both objectives compared are evaluated here in NumPy from the weights alone, each at its best structure:
    clustered_multi_task    min over M is reached with M sharing W^T W's eigenvectors (von Neumann's
                            trace inequality), leaving sum_i sigma_i / (eta + gamma_i) over the capped
                            simplex 0 <= gamma_i <= 1, sum gamma_i = k, solved here with cvxpy
    task_relation_learning  min over Omega is (tr (W^T W + epsilon I)^(1/2))^2 (the paper's closed form)

    python3 bench/multitask/coupling_reference_objectives.py objectives.json [--tolerance 1e-6]
"""

import sys
import warnings

import numpy as np
import cvxpy as cp

from reference_objectives import CLARABEL_SETTINGS, OBJECTIVES, REFERENCES, feature_learning_penalty, main


def solve_constrained(objective, constraints, variables):
    """reference_objectives.solve with constraints: minimizes with Clarabel, returns the variables'
    values and cvxpy's status."""
    program = cp.Problem(cp.Minimize(objective), constraints)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        program.solve(solver=cp.CLARABEL, **CLARABEL_SETTINGS)
    values = {name: np.array(variable.value) for name, variable in variables.items()}
    values["status"] = program.status
    return values


def eta_of(s):
    return s["rho2"] / s["rho1"]


def clustered_penalty(W, s):
    """rho1 eta (1 + eta) min over M of tr((eta I + M)^-1 W^T W)."""
    eta = eta_of(s)
    sigma = np.maximum(np.linalg.eigvalsh(W.T @ W), 0.0)
    gamma = cp.Variable(len(sigma))
    program = cp.Problem(cp.Minimize(cp.sum(cp.multiply(sigma, cp.inv_pos(eta + gamma)))),
                         [gamma >= 0, gamma <= 1, cp.sum(gamma) == s["clusters"]])
    program.solve(solver=cp.CLARABEL, **CLARABEL_SETTINGS)
    return s["rho1"] * eta * (1 + eta) * float(program.value)


def relation_penalty(W, s):
    """lambda1/2 ||W||_F^2 + lambda2/2 (tr (W^T W + epsilon I)^(1/2))^2."""
    return 0.5 * s["lambda1"] * float((W ** 2).sum()) + feature_learning_penalty(W.T, s["lambda2"], s["epsilon"])


def reference_clustered_multi_task(p, s):
    W, b = cp.Variable((p.features, p.tasks)), cp.Variable(p.tasks)
    M = cp.Variable((p.tasks, p.tasks), symmetric=True)
    eta = eta_of(s)
    objective = p.cvxpy_loss(W, b) + s["rho1"] * eta * (1 + eta) * cp.matrix_frac(W.T, eta * np.eye(p.tasks) + M)
    constraints = [M >> 0, np.eye(p.tasks) - M >> 0, cp.trace(M) == s["clusters"]]
    return solve_constrained(objective, constraints, {"weights": W})


def reference_task_relation_learning(p, s):
    W, b = cp.Variable((p.features, p.tasks)), cp.Variable(p.tasks)
    Omega = cp.Variable((p.tasks, p.tasks), symmetric=True)
    augmented = cp.hstack([W.T, np.sqrt(s["epsilon"]) * np.eye(p.tasks)])
    objective = (p.cvxpy_loss(W, b) + 0.5 * s["lambda1"] * cp.sum_squares(W)
                 + 0.5 * s["lambda2"] * cp.matrix_frac(augmented, Omega))
    return solve_constrained(objective, [cp.trace(Omega) == 1], {"weights": W})


OBJECTIVES["clustered_multi_task"] = lambda p, s, w: p.loss(w["weights"]) + clustered_penalty(w["weights"], s)
OBJECTIVES["task_relation_learning"] = lambda p, s, w: p.loss(w["weights"]) + relation_penalty(w["weights"], s)
REFERENCES["clustered_multi_task"] = reference_clustered_multi_task
REFERENCES["task_relation_learning"] = reference_task_relation_learning


if __name__ == "__main__":
    sys.exit(main())

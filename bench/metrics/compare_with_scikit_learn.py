#!/usr/bin/env python3
"""Compares the engine's classification, regression and episode metrics with scikit-learn and SciPy.

Draws random inputs with numpy (scores rounded to one decimal in every other trial, so that ROC-AUC meets
ties; one regression output column constant in every third trial), runs bench/metrics_reference on them
and prints, per metric, the largest absolute difference from the reference over all trials.

    pip install numpy scipy scikit-learn     # for this script only; the engine never needs Python
    python3 bench/metrics/compare_with_scikit_learn.py --binary build/bench/metrics_reference
"""

import argparse
import collections
import subprocess

import numpy as np
import scipy.stats
import sklearn
from sklearn.metrics import accuracy_score, explained_variance_score, f1_score, r2_score, roc_auc_score


def matrix_text(values):
    return "\n".join(" ".join(repr(float(v)) for v in row) for row in np.atleast_2d(values))


def classification_case(rng, trial):
    rows = int(rng.integers(20, 400))
    classes = int(rng.choice([2, 3, 5, 10]))
    multi_label = trial % 4 == 3
    scores = rng.normal(size=(rows, classes))
    if trial % 2 == 0:
        scores = np.round(scores, 1)  # ties
    if multi_label:
        truth = (rng.random((rows, classes)) < 0.3).astype(int)
        truth[0, :] = 1  # every class has a positive and, with row 1, a negative row
        truth[1, :] = 0
    else:
        labels = rng.integers(0, classes, size=rows)
        labels[:classes] = np.arange(classes)  # every class present
        truth = np.eye(classes, dtype=int)[labels]
    text = f"classification {rows} {classes} {int(multi_label)}\n{matrix_text(scores)}\n{matrix_text(truth)}\n"
    expected = {}
    if multi_label:
        expected["micro_f1"] = f1_score(truth, (scores > 0).astype(int), average="micro", zero_division=0)
        expected["roc_auc"] = roc_auc_score(truth, scores, average="macro")
    else:
        labels = truth.argmax(axis=1)
        predicted = scores.argmax(axis=1)
        expected["accuracy"] = accuracy_score(labels, predicted)
        expected["micro_f1"] = f1_score(labels, predicted, average="micro")
        if classes == 2:
            expected["roc_auc"] = roc_auc_score(labels, scores[:, 1])
        else:
            expected["roc_auc"] = roc_auc_score(truth, scores, average="macro")  # one-vs-rest per class
    return text, expected


def regression_case(rng, trial):
    rows = int(rng.integers(2, 400))
    outputs = int(rng.integers(1, 5))
    targets = rng.normal(size=(rows, outputs)) * rng.uniform(0.1, 10, size=outputs)
    predictions = targets + rng.normal(size=(rows, outputs)) * rng.uniform(0.01, 3)
    if trial % 3 == 0:
        targets[:, 0] = 1.5  # a constant target column
    text = f"regression {rows} {outputs}\n{matrix_text(predictions)}\n{matrix_text(targets)}\n"
    expected = {
        "nmse": 1.0 - r2_score(targets, predictions, multioutput="uniform_average"),
        "explained_variance": explained_variance_score(targets, predictions, multioutput="uniform_average"),
    }
    return text, expected


def episode_case(rng, trial):
    count = int(rng.choice([2, 3, 5, 10, 30, 100, 600, 2000]))
    accuracies = rng.binomial(75, rng.uniform(0.3, 0.9), size=count) / 75.0
    text = f"episodes {count}\n{' '.join(repr(float(a)) for a in accuracies)}\n"
    half_width = scipy.stats.t.ppf(0.975, count - 1) * accuracies.std(ddof=1) / np.sqrt(count)
    return text, {"episode_accuracy": accuracies.mean(), "episode_accuracy_ci95": half_width}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default="build/bench/metrics_reference")
    parser.add_argument("--trials", type=int, default=200, help="cases per task kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    texts, expectations = [], []
    for trial in range(args.trials):
        for make_case in (classification_case, regression_case, episode_case):
            text, expected = make_case(rng, trial)
            texts.append(text)
            expectations.append(expected)

    output = subprocess.run([args.binary], input="".join(texts), capture_output=True, text=True, check=True).stdout
    largest = collections.defaultdict(float)
    cases = collections.Counter()
    for line in output.splitlines():
        block, name, value = line.split()
        reference = expectations[int(block)].pop(name)
        largest[name] = max(largest[name], abs(float(value) - reference))
        cases[name] += 1
    missing = [name for expected in expectations for name in expected]
    if missing:
        raise SystemExit(f"metrics_reference printed no value for: {sorted(set(missing))}")

    print(f"scikit-learn {sklearn.__version__}, SciPy {scipy.__version__}, numpy {np.__version__}; seed {args.seed}")
    print(f"{'metric':<24}{'cases':>7}  largest |engine - reference|")
    for name in sorted(largest):
        print(f"{name:<24}{cases[name]:>7}  {largest[name]:.3g}")


if __name__ == "__main__":
    main()

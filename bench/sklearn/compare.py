#!/usr/bin/python3
"""FastBackprop's CLI defaults against scikit-learn's MLPClassifier / MLPRegressor defaults.

    dotnet build -c Release FastBackprop.sln
    /usr/bin/python3 bench/sklearn/compare.py [--seeds 5] [--cli PATH] [--keep DIR]

A benchmark, not a test: CI does not run it. It needs Debian's python3-sklearn (its bundled data
files iris.csv, wine_data.csv, breast_cancer.csv and diabetes_data_raw.csv.gz /
diabetes_target.csv.gz, read through sklearn.datasets with the raw, unscaled diabetes features).

For each data set and seed 0..4 it makes one split, train_test_split(test_size=0.25,
random_state=seed, stratified by class for the three classifiers), writes it to CSV files in a
temporary folder (inputs, then the label or target in the last column, no header), and trains
both sides on the same training rows:

- scikit-learn: StandardScaler fitted on the training inputs (what its user guide advises for
  MLPs), then MLPClassifier(random_state=seed) or MLPRegressor(random_state=seed) with every other
  parameter at its default (one hidden layer of 100 relu units, adam lr 1e-3, alpha 1e-4,
  batch min(200, n), max_iter 200, tol 1e-4, n_iter_no_change 10, no early stopping). The
  regression target is not scaled (MLPRegressor does not scale it).
- FastBackprop: `fastbackprop train --data train.csv --seed S --out model.fbp --no-plot --quiet`
  (plus `--regression` for diabetes), every other option at its default: that includes its own
  input standardisation of CSV data, its target standardisation for regression and its default
  validation hold-out; then `fastbackprop predict --model model.fbp --input test-x.csv`.

Both sides are scored here, by the same code, on the test rows: accuracy (share of right classes)
or mean squared error in the target's own units. The script prints a markdown table of the means
over the seeds (with min and max) and the commands it ran.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore", ConvergenceWarning)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DATASETS = [
    # name, loader, classifier
    ("iris", lambda: load_iris(return_X_y=True), True),
    ("wine", lambda: load_wine(return_X_y=True), True),
    ("breast_cancer", lambda: load_breast_cancer(return_X_y=True), True),
    ("diabetes", lambda: load_diabetes(return_X_y=True, scaled=False), False),
]


def find_cli(explicit):
    """The CLI built by `dotnet build -c Release`, else `dotnet run` on the project."""
    if explicit:
        return [explicit]
    built = os.path.join(ROOT, "src", "FastBackprop.Cli", "bin", "Release", "net10.0", "FastBackprop.Cli")
    if os.path.exists(built):
        return [built]
    return ["dotnet", "run", "--project", os.path.join(ROOT, "src", "FastBackprop.Cli"), "-c", "Release", "--"]


def write_csv(path, x, y=None):
    rows = x if y is None else np.column_stack([x, y])
    np.savetxt(path, rows, delimiter=",", fmt="%.17g")


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stdout}{result.stderr}")
    return result.stdout


def score(classifier, y_true, y_pred):
    if classifier:
        return float(np.mean(np.asarray(y_pred).astype(int) == y_true))
    return float(np.mean((np.asarray(y_pred, dtype=float) - y_true) ** 2))


def sklearn_fit(classifier, seed, x_train, y_train, x_test):
    scaler = StandardScaler().fit(x_train)
    model = (MLPClassifier if classifier else MLPRegressor)(random_state=seed)
    model.fit(scaler.transform(x_train), y_train)
    return model.predict(scaler.transform(x_test))


def sklearn_fit_scaled_targets(seed, x_train, y_train, x_test):
    """For context only: MLPRegressor's defaults on standardised targets, as FastBackprop trains by default."""
    scaler = StandardScaler().fit(x_train)
    model = TransformedTargetRegressor(regressor=MLPRegressor(random_state=seed), transformer=StandardScaler())
    model.fit(scaler.transform(x_train), y_train)
    return model.predict(scaler.transform(x_test))


def fastbackprop_fit(cli, extra, classifier, seed, folder, x_train, y_train, x_test):
    train, test_x, model = (os.path.join(folder, f) for f in ("train.csv", "test-x.csv", "model.fbp"))
    write_csv(train, x_train, y_train)
    write_csv(test_x, x_test)
    command = cli + ["train", "--data", train, "--seed", str(seed), "--out", model, "--no-plot", "--quiet"] + extra
    if not classifier:
        command.append("--regression")
    run(command)
    lines = run(cli + ["predict", "--model", model, "--input", test_x]).strip().splitlines()
    values = np.array([float(line.split(",")[0]) for line in lines[1:]])   # header: class or y0
    assert len(values) == len(x_test), (len(values), len(x_test))
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cli", help="the fastbackprop executable (default: the Release build, else dotnet run)")
    parser.add_argument("--keep", help="write the split CSV files and models here instead of a temporary folder")
    parser.add_argument("--only", nargs="+", choices=[d[0] for d in DATASETS], help="run these data sets only")
    parser.add_argument("--train-args", default="", help="extra options for `fastbackprop train` (default: none, the defaults are the point)")
    args = parser.parse_args()
    cli = find_cli(args.cli)
    folder = args.keep or tempfile.mkdtemp(prefix="fbp-sklearn-")
    os.makedirs(folder, exist_ok=True)
    try:
        rows = []
        for name, load, classifier in DATASETS:
            if args.only and name not in args.only:
                continue
            x, y = load()
            ours, theirs, scaled = [], [], []
            for seed in range(args.seeds):
                x_train, x_test, y_train, y_test = train_test_split(
                    x, y, test_size=0.25, random_state=seed, stratify=y if classifier else None)
                split = os.path.join(folder, f"{name}-{seed}")
                os.makedirs(split, exist_ok=True)
                write_csv(os.path.join(split, "test.csv"), x_test, y_test)
                theirs.append(score(classifier, y_test, sklearn_fit(classifier, seed, x_train, y_train, x_test)))
                if not classifier:
                    scaled.append(score(classifier, y_test, sklearn_fit_scaled_targets(seed, x_train, y_train, x_test)))
                ours.append(score(classifier, y_test, fastbackprop_fit(cli, args.train_args.split(), classifier, seed, split, x_train, y_train, x_test)))
            baseline = None if classifier else float(np.mean((y_test - np.mean(y_train)) ** 2))
            rows.append((name, classifier, len(y_train), len(y_test), ours, theirs, (baseline, scaled)))
        print_table(rows, args.seeds, cli)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def fmt(classifier, values):
    if classifier:
        return f"{100 * np.mean(values):.2f}% ({100 * min(values):.1f}-{100 * max(values):.1f})"
    return f"{np.mean(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def print_table(rows, seeds, cli):
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end; scikit-learn {sklearn.__version__}, numpy {np.__version__}; {seeds} seeds (0..{seeds - 1}), "
          "test_size 0.25 (stratified for the classifiers); mean over the seeds (min-max)")
    print()
    print("| data set | train / test rows | metric | FastBackprop CLI defaults | scikit-learn defaults | FastBackprop - scikit-learn |")
    print("|---|---:|---|---:|---:|---:|")
    for name, classifier, n_train, n_test, ours, theirs, _ in rows:
        if classifier:
            diff = f"{100 * (np.mean(ours) - np.mean(theirs)):+.2f} points"
        else:
            diff = f"{100 * (np.mean(ours) / np.mean(theirs) - 1):+.1f}% MSE"
        metric = "test accuracy" if classifier else "test MSE"
        print(f"| {name} | {n_train} / {n_test} | {metric} | {fmt(classifier, ours)} | {fmt(classifier, theirs)} | {diff} |")
    for name, classifier, _, _, ours, _, (baseline, scaled) in rows:
        if not classifier:
            print(f"\n{name}: the last seed's test MSE of predicting the training mean is {baseline:,.0f}. For context, scikit-learn's "
                  f"defaults on standardised targets too (TransformedTargetRegressor(MLPRegressor(random_state=S), transformer=StandardScaler())): "
                  f"{fmt(False, scaled)}, FastBackprop {100 * (np.mean(ours) / np.mean(scaled) - 1):+.1f}% MSE.")
    print()
    print("FastBackprop: `" + " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cli)) +
          " train --data train.csv --seed S --out model.fbp --no-plot --quiet [--regression]`, then `predict --model model.fbp --input test-x.csv`.")
    print("scikit-learn: `StandardScaler().fit(x_train)`, then `MLPClassifier(random_state=S)` / `MLPRegressor(random_state=S)` on the scaled inputs.")


if __name__ == "__main__":
    main()

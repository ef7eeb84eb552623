#!/usr/bin/python3
"""scikit-learn's solver='lbfgs' on the data FastBackprop's optimizer race trains on.

    dotnet run -c Release --project bench/FastBackprop.Bench -- optimizers --export /tmp/race-data
    /usr/bin/python3 bench/sklearn_lbfgs.py /tmp/race-data

For each problem it finds the fewest L-BFGS iterations (scipy's L-BFGS-B with m = 10, which
MLPClassifier/MLPRegressor run) after which the training loss is below the race's target, refitting
from the same initial weights (random_state 0) with max_iter = k, and times that fit (best of 3).
alpha = 0 (no L2 penalty), so sklearn's loss_ is the mean cross-entropy (classifier) or half the mean
squared error (regressor), the E of the race. The initial weights are sklearn's, not FastBackprop's.
"""
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

warnings.simplefilter("ignore", ConvergenceWarning)

PROBLEMS = [
    # name, file, hidden units, activation, classifier, target
    ("digits-16", "digits-train.csv", 16, "relu", True, 0.05),
    ("digits-32", "digits-train.csv", 32, "relu", True, 0.05),
    ("diabetes", "diabetes.csv", 16, "tanh", False, 0.1),
]


def fit(model_type, hidden, activation, x, y, iterations):
    model = model_type(hidden_layer_sizes=(hidden,), activation=activation, solver="lbfgs", alpha=0.0,
                       max_iter=iterations, max_fun=15000, tol=0.0, random_state=0)
    start = time.perf_counter()
    model.fit(x, y)
    return model, time.perf_counter() - start


def main(folder):
    print(f"scikit-learn MLP solver='lbfgs' (L-BFGS-B, m = 10), alpha 0, random_state 0, numpy {np.__version__}")
    print("| problem | target E | iterations to target | function evaluations | loss after them | seconds (best of 3) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, file, hidden, activation, classifier, target in PROBLEMS:
        data = np.loadtxt(f"{folder}/{file}", delimiter=",")
        x, y = data[:, :-1], data[:, -1]
        if classifier:
            y = y.astype(int)
        model_type = MLPClassifier if classifier else MLPRegressor
        # doubling, then bisection, on the deterministic loss after k iterations
        low, high = 0, 1
        while fit(model_type, hidden, activation, x, y, high)[0].loss_ >= target:
            low, high = high, high * 2
            if high > 4096:
                break
        while high - low > 1:
            middle = (low + high) // 2
            if fit(model_type, hidden, activation, x, y, middle)[0].loss_ < target:
                high = middle
            else:
                low = middle
        runs = [fit(model_type, hidden, activation, x, y, high) for _ in range(3)]
        model = runs[0][0]
        seconds = min(r[1] for r in runs)
        evaluations = getattr(model, "_n_fun_evals", "")   # not public in sklearn 1.2
        print(f"| {name} | {target} | {model.n_iter_} | {evaluations} | {model.loss_:.4g} | {seconds:.4f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/race-data")

"""The source text's training protocol against the chapter's, on the same split of the Pima data.

Both protocols train the same 8-12-8-1 network on the same 60 % of the women
and are scored on the same 20 % test women (the split of the chapter
"Diagnosing disease from clinical data"):

- **source**: raw features (impossible zeros as values, no scaling), 150 epochs
  in batches of 10, Adam's default step, no validation data;
- **chapter**: zeros as missing, median imputation and standardisation fitted
  on the training split, batches of 32, learning rate 0.01, class weights,
  early stopping on the validation loss (patience 10, best weights restored).

Each protocol runs with several seeds; the table reports the mean and range of
the test ROC AUC and the mean training time (``fit`` only, TensorFlow already
loaded). Goal: the chapter's protocol reaches at least the source's AUC in at
most a fifth of its training time.

Usage::

    python benchmarks/clinical_protocols.py            # seeds 0, 1, 2
    python benchmarks/clinical_protocols.py --seeds 5

Prints a Markdown table; exits 1 if the goal is missed.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

import companion
from companion import data
from companion.backend import keras
from companion.clinical import build_diagnosis_mlp

companion.setup(verbose=False)


def split(frame):
    """The chapter's stratified 60/20/20 split (row positions are the same for raw and cleaned data)."""
    labels = frame["diabetes"].to_numpy()
    rest, test = train_test_split(np.arange(len(frame)), test_size=0.2, stratify=labels, random_state=0)
    train, val = train_test_split(rest, test_size=0.25, stratify=labels[rest], random_state=0)
    return train, val, test


def predict(model, X):
    return keras.ops.convert_to_numpy(model(X, training=False))[:, 0]


def source_protocol(seed, train, val, test):
    """As the source text: raw features, 150 epochs, batches of 10."""
    raw = data.load_pima()
    X, y = raw[data.PIMA_FEATURES].to_numpy(dtype="float32"), raw["diabetes"].to_numpy()
    keras.utils.set_random_seed(seed)
    model = build_diagnosis_mlp()
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])  # as the source
    start = time.perf_counter()
    model.fit(X[train], y[train], epochs=150, batch_size=10, verbose=0)
    seconds = time.perf_counter() - start
    return seconds, roc_auc_score(y[test], predict(model, X[test]))


def chapter_protocol(seed, train, val, test):
    """As the chapter: clean preprocessing, early stopping, batches of 32, class weights."""
    pima = data.load_pima(zeros_as_missing=True)
    features, y = pima[data.PIMA_FEATURES].to_numpy(), pima["diabetes"].to_numpy()
    preprocess = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit(features[train])
    X_train, X_val, X_test = (preprocess.transform(features[part]) for part in (train, val, test))
    weights = dict(enumerate(compute_class_weight("balanced", classes=np.array([0, 1]), y=y[train])))
    keras.utils.set_random_seed(seed)
    model = build_diagnosis_mlp(learning_rate=0.01)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    start = time.perf_counter()
    model.fit(
        X_train,
        y[train],
        validation_data=(X_val, y[val]),
        epochs=300,
        batch_size=32,
        class_weight=weights,
        callbacks=[stop],
        verbose=0,
    )
    seconds = time.perf_counter() - start
    return seconds, roc_auc_score(y[test], predict(model, X_test))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds per protocol (default 3)")
    args = parser.parse_args(argv)
    parts = split(data.load_pima())
    results = {}
    for name, protocol in [
        ("source (150 epochs, batch 10, raw)", source_protocol),
        ("chapter (early stopping, batch 32, clean)", chapter_protocol),
    ]:
        runs = np.array([protocol(seed, *parts) for seed in range(args.seeds)])
        results[name] = {
            "seconds": runs[:, 0].mean(),
            "auc": runs[:, 1].mean(),
            "auc_min": runs[:, 1].min(),
            "auc_max": runs[:, 1].max(),
        }
    print(f"Pima test set ({len(parts[2])} women), {args.seeds} seeds per protocol\n")
    print("| protocol | training time (s, mean) | test AUC mean | test AUC range |")
    print("| --- | ---: | ---: | --- |")
    for name, r in results.items():
        print(f"| {name} | {r['seconds']:.1f} | {r['auc']:.3f} | {r['auc_min']:.3f} to {r['auc_max']:.3f} |")
    source, chapter = results.values()
    speedup = source["seconds"] / chapter["seconds"]
    met = chapter["auc"] >= source["auc"] and speedup >= 5
    print(
        f"\nspeed-up {speedup:.1f}x, AUC difference {chapter['auc'] - source['auc']:+.3f}: "
        f"goal (AUC at least the source's in at most 1/5 of the time) {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

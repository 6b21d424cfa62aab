"""The source text's Keras example: shown verbatim in its chapter, and its faster version trains the same network.

The clinical-data chapter runs the source's eight lines exactly as written (Keras 3 accepts
``input_dim`` with a warning). It then shows that compiling with ``steps_per_execution`` (all the
batches of an epoch in one call) and declaring the input with ``keras.Input`` trains the same
network. Here the two are compared bit for bit, from the same seed on the same women: the
source's code as written against the faster version, on a subset and a few epochs to stay fast.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from companion import data
from companion.backend import keras

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "diagnosis" / "clinical_data.ipynb"
SOURCE_LINES = [
    "from keras.models import Sequential",
    "from keras.layers import Dense",
    "model = Sequential()",
    "model.add(Dense(12, input_dim=8, activation='relu'))",
    "model.add(Dense(8, activation='relu'))",
    "model.add(Dense(1, activation='sigmoid'))",
    "model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])",
    "model.fit(X, Y, epochs=150, batch_size=10)",
]
WOMEN, EPOCHS = 150, 4  # 15 batches of 10 per epoch: a few seconds for both runs


@pytest.fixture(scope="module")
def pima():
    raw = data.load_pima()
    return raw[data.PIMA_FEATURES].to_numpy(dtype=float)[:WOMEN], raw["diabetes"].to_numpy()[:WOMEN]


def as_written(X, Y, epochs, seed):
    """The source's lines, with fewer epochs and no progress bar; the ``input_dim`` warning is kept."""
    keras.utils.set_random_seed(seed)
    from keras.layers import Dense
    from keras.models import Sequential

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = Sequential()
        model.add(Dense(12, input_dim=8, activation="relu"))
    model.add(Dense(8, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(X, Y, epochs=epochs, batch_size=10, verbose=0)
    return model, history, caught


def faster(X, Y, epochs, seed):
    """The chapter's faster version: ``keras.Input`` and one call per epoch (``steps_per_execution``)."""
    keras.utils.set_random_seed(seed)
    network = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(12, activation="relu"),
                                keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    network.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"],
                    steps_per_execution=math.ceil(len(X) / 10))
    history = network.fit(X, Y, epochs=epochs, batch_size=10, verbose=0)
    return network, history


def test_chapter_shows_the_source_lines_verbatim_in_one_cell():
    cells = json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]).splitlines() for cell in cells if cell["cell_type"] == "code"]
    n = len(SOURCE_LINES)
    found = [lines for lines in sources
             if any(lines[i:i + n] == SOURCE_LINES for i in range(len(lines) - n + 1))]
    assert len(found) == 1, "the source's eight lines must appear, unchanged and contiguous, in exactly one code cell"


def test_keras_runs_input_dim_with_a_deprecation_warning(pima):
    model, _, caught = as_written(*pima, epochs=1, seed=0)
    assert model.input_shape == (None, 8)
    assert model.count_params() == 221
    messages = [str(warning.message) for warning in caught if issubclass(warning.category, UserWarning)]
    assert any("input_dim" in message and "Input(shape)" in message for message in messages), messages


@pytest.mark.parametrize("seed", [0, 1])
def test_faster_version_trains_the_same_network_bit_for_bit(pima, seed):
    written, written_history, _ = as_written(*pima, epochs=EPOCHS, seed=seed)
    fast, fast_history = faster(*pima, epochs=EPOCHS, seed=seed)
    for a, b in zip(written.get_weights(), fast.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # tolerance 0: identical weights
    X = pima[0]
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(written(X)), keras.ops.convert_to_numpy(fast(X)))
    assert written_history.history == fast_history.history  # the same loss and accuracy every epoch


def test_training_actually_changed_the_weights(pima):
    keras.utils.set_random_seed(0)
    untrained = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(12, activation="relu"),
                                  keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
    trained, _ = faster(*pima, epochs=EPOCHS, seed=0)
    changes = [np.abs(a - b).max() for a, b in zip(untrained.get_weights(), trained.get_weights(), strict=True)]
    assert min(changes) > 0  # the equality above compares trained networks, not two copies of the start

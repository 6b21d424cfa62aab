"""companion.toxicity: the masked multitask loss and network, against hand computations and Keras."""

import numpy as np
import pytest

from companion.backend import keras, tf
from companion.toxicity import MISSING_LABEL, build_multitask_mlp, masked_binary_crossentropy

RNG = np.random.default_rng(0)
LABELS = RNG.integers(0, 2, size=(16, 5)).astype("float32")
PROBABILITIES = RNG.uniform(0.05, 0.95, size=(16, 5)).astype("float32")


def test_equals_keras_binary_crossentropy_when_nothing_is_missing():
    plain = keras.losses.BinaryCrossentropy()(LABELS, PROBABILITIES)
    masked = keras.ops.mean(masked_binary_crossentropy(LABELS, PROBABILITIES))
    np.testing.assert_allclose(float(masked), float(plain), rtol=1e-6)
    per_sample = keras.losses.binary_crossentropy(LABELS, PROBABILITIES)
    np.testing.assert_allclose(masked_binary_crossentropy(LABELS, PROBABILITIES), per_sample, rtol=1e-6)


def test_logits_give_the_same_loss_as_probabilities():
    logits = np.log(PROBABILITIES / (1 - PROBABILITIES))
    np.testing.assert_allclose(
        masked_binary_crossentropy(LABELS, logits, from_logits=True),
        masked_binary_crossentropy(LABELS, PROBABILITIES),
        rtol=1e-5,
    )


@pytest.mark.parametrize("missing", [np.nan, MISSING_LABEL])
def test_missing_entries_add_no_loss(missing):
    labels = LABELS.copy()
    mask = RNG.uniform(size=labels.shape) < 0.4
    labels[mask] = missing
    loss = keras.ops.convert_to_numpy(masked_binary_crossentropy(labels, PROBABILITIES))
    entries = -(LABELS * np.log(PROBABILITIES) + (1 - LABELS) * np.log(1 - PROBABILITIES))
    expected = np.where(mask, 0.0, entries).sum(axis=1) / labels.shape[1]
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert np.isfinite(loss).all()


@pytest.mark.parametrize("missing", [np.nan, MISSING_LABEL])
def test_missing_entries_get_zero_gradient(missing):
    labels = LABELS.copy()
    mask = np.zeros(labels.shape, dtype=bool)
    mask[::2, 1] = mask[3, :] = True
    labels[mask] = missing
    predictions = tf.Variable(PROBABILITIES)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(masked_binary_crossentropy(tf.constant(labels), predictions))
    gradient = tape.gradient(loss, predictions).numpy()
    assert np.isfinite(gradient).all()
    assert np.all(gradient[mask] == 0)
    assert np.all(gradient[~mask] != 0)
    # Observed entries get the plain BCE gradient: (p - y) / (p (1 - p)) / (n_samples * n_tasks).
    p, y = PROBABILITIES[~mask], LABELS[~mask]
    np.testing.assert_allclose(gradient[~mask], (p - y) / (p * (1 - p)) / LABELS.size, rtol=1e-4)


def test_all_missing_gives_zero_loss():
    labels = np.full((4, 3), np.nan, dtype="float32")
    loss = masked_binary_crossentropy(labels, PROBABILITIES[:4, :3])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loss), np.zeros(4))


def test_multitask_network_learns_from_partly_missing_labels():
    keras.utils.set_random_seed(0)
    x = RNG.normal(size=(400, 6)).astype("float32")
    y = np.stack([x[:, 0] > 0, x[:, 1] + x[:, 2] > 0, x[:, 3] < 0], axis=1).astype("float32")
    hidden = RNG.uniform(size=y.shape) < 0.5
    y_train = np.where(hidden, np.nan, y)
    model = build_multitask_mlp(6, 3, hidden=(16,), dropout=0.0, learning_rate=0.01)
    history = model.fit(x, y_train, epochs=30, batch_size=64, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    accuracy = ((model.predict(x, verbose=0) > 0.5) == y)[hidden].mean()  # labels the network never saw
    assert accuracy > 0.85


def test_multitask_network_shape_and_loss():
    model = build_multitask_mlp(10, 4, hidden=(8, 6), dropout=0.1)
    assert model.output_shape == (None, 4)
    assert model.loss is masked_binary_crossentropy
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)] == [8, 6, 4]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_features": 0, "n_tasks": 3}, "n_features must be a positive integer, got 0"),
        ({"n_features": 5, "n_tasks": 2.5}, "n_tasks must be a positive integer, got 2.5"),
        ({"n_features": 5, "n_tasks": 2, "hidden": "64"}, "hidden must be .*sequence"),
        ({"n_features": 5, "n_tasks": 2, "dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0"),
        ({"n_features": 5, "n_tasks": 2, "learning_rate": -1}, "learning_rate must be a positive finite number"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_multitask_mlp(**kwargs)


def test_self_check_accepts_the_masked_loss_and_rejects_wrong_answers(capsys):
    from companion.exercises.toxicity import check_tox_masked_loss

    y = np.array([[1.0, np.nan, 0.0]], dtype="float32")
    p = np.array([[0.8, 0.5, 0.4]], dtype="float32")
    correct = float(masked_binary_crossentropy(y, p)[0])
    assert check_tox_masked_loss(correct)
    assert capsys.readouterr().out.startswith("Correct:")
    for wrong in [correct * 3 / 2, 1.0, None, "a lot", [0.2, 0.3]]:
        assert not check_tox_masked_loss(wrong)
        out = capsys.readouterr().out
        assert out.startswith("Not yet:")
        assert f"{correct:.2f}" not in out  # never reveal the answer

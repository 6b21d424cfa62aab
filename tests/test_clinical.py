"""companion.clinical: the source text's architecture, a working compiled model, bad arguments."""

import numpy as np
import pytest

from companion.backend import keras
from companion.clinical import build_diagnosis_mlp


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return build_diagnosis_mlp()


def test_default_is_the_source_architecture(model):
    dense = model.layers
    assert [layer.units for layer in dense] == [12, 8, 1]
    assert [layer.activation.__name__ for layer in dense] == ["relu", "relu", "sigmoid"]
    assert model.input_shape == (None, 8)
    assert model.count_params() == 8 * 12 + 12 + 12 * 8 + 8 + 8 + 1 == 221


def test_model_is_compiled_for_binary_diagnosis(model):
    assert model.loss == "binary_crossentropy"
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(0.001)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 8)).astype("float32")
    y = (X[:, 0] > 0).astype("float32")
    history = model.fit(X, y, epochs=2, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    output = model.predict(X, verbose=0)
    assert output.shape == (64, 1)
    assert np.all((output > 0) & (output < 1))


def test_options_change_the_architecture():
    model = build_diagnosis_mlp(n_features=30, hidden=(16,), activation="tanh", learning_rate=0.01)
    assert model.count_params() == 30 * 16 + 16 + 16 + 1
    assert model.layers[0].activation.__name__ == "tanh"
    assert model.optimizer.learning_rate.numpy() == pytest.approx(0.01)
    assert build_diagnosis_mlp(hidden=()).count_params() == 9  # logistic regression


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_features": 0}, "n_features must be a positive integer, got 0"),
        ({"n_features": 8.0}, "n_features must be a positive integer, got 8.0"),
        ({"hidden": 12}, "hidden must be a sequence of positive integers, got 12"),
        ({"hidden": "12"}, "hidden must be a sequence"),
        ({"hidden": (12, -8)}, r"hidden\[1\] must be a positive integer, got -8"),
        ({"activation": "relux"}, r"activation must be one of \['relu', .*\], got 'relux'"),
        ({"learning_rate": 0}, "learning_rate must be a positive finite number, got 0"),
        ({"learning_rate": float("nan")}, "learning_rate must be a positive finite number, got nan"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_diagnosis_mlp(**kwargs)


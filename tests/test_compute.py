"""companion.compute: counts against hand computation, int8 against NumPy, timings, bad inputs."""

import numpy as np
import pytest

from companion.backend import keras
from companion.clinical import build_diagnosis_mlp
from companion.compute import (
    count_flops,
    count_parameters,
    layer_costs,
    measure_latency,
    model_size_bytes,
    quantize_int8,
    time_epoch,
)
from companion.imaging import build_nodule_cnn


@pytest.fixture(scope="module")
def mlp():
    keras.utils.set_random_seed(0)
    return build_diagnosis_mlp()


@pytest.fixture(scope="module")
def cnn():
    """The imaging chapter's CNN: three 3 x 3 conv blocks without bias, BN, ReLU; two max pools; Dense."""
    keras.utils.set_random_seed(0)
    return build_nodule_cnn()


# --- Parameters and FLOPs, against hand computation --------------------------------------------


def test_parameters_of_the_cnn_by_hand(cnn):
    kernels = 3 * 3 * 1 * 16 + 3 * 3 * 16 * 16 + 3 * 3 * 16 * 32  # no biases in the convolutions
    bn_channels = 16 + 16 + 32
    dense = 32 + 1
    counts = count_parameters(cnn)
    assert counts == {
        "trainable": kernels + 2 * bn_channels + dense,  # gamma and beta
        "non_trainable": 2 * bn_channels,  # moving mean and variance
        "total": kernels + 4 * bn_channels + dense,
    }
    assert counts["total"] == cnn.count_params()


def test_dense_flops_by_hand(mlp):
    assert count_flops(mlp) == 2 * (8 * 12 + 12 * 8 + 8 * 1) + (12 + 8 + 1) == 421
    assert layer_costs(mlp)["flops"].tolist() == [2 * 8 * 12 + 12, 2 * 12 * 8 + 8, 2 * 8 + 1]
    assert layer_costs(mlp)["parameters"].sum() == count_parameters(mlp)["total"] == 221


def test_conv_flops_by_hand(cnn):
    costs = layer_costs(cnn)
    # 2 x k_h x k_w x c_in x c_out x H_out x W_out, no bias; "same" padding keeps the size until pooled.
    assert costs.loc["conv1", "flops"] == 2 * 3 * 3 * 1 * 16 * 64 * 64
    assert costs.loc["conv2", "flops"] == 2 * 3 * 3 * 16 * 16 * 32 * 32
    assert costs.loc["conv3", "flops"] == 2 * 3 * 3 * 16 * 32 * 16 * 16
    output = cnn.layers[-1].name
    assert costs.loc[output, "flops"] == 2 * 32 + 1
    assert count_flops(cnn) == costs["flops"].sum() == 1_179_648 + 4_718_592 + 2_359_296 + 65
    free = costs[~costs.index.isin(["conv1", "conv2", "conv3", output])]
    assert (free["flops"] == 0).all()  # pooling, BN, ReLU, flip: counted as zero by convention


def test_strided_valid_convolution_with_bias():
    model = keras.Sequential([keras.Input((9, 8, 3)), keras.layers.Conv2D(5, (3, 2), strides=2, name="c")])
    # Output 4 x 4 (floor((9 - 3) / 2) + 1, floor((8 - 2) / 2) + 1); each output value adds one bias.
    assert layer_costs(model).loc["c", "output_shape"] == (4, 4, 5)
    assert count_flops(model) == 2 * 3 * 2 * 3 * 5 * 4 * 4 + 4 * 4 * 5


def test_depthwise_and_dense_on_sequences():
    depthwise = keras.Sequential([keras.Input((8, 8, 4)), keras.layers.DepthwiseConv2D(3, depth_multiplier=2)])
    assert count_flops(depthwise) == 2 * 3 * 3 * 4 * 2 * 6 * 6 + 6 * 6 * 8  # each channel its own filters
    sequence = keras.Sequential([keras.Input((5, 4)), keras.layers.Dense(3)])
    assert count_flops(sequence) == 5 * (2 * 4 * 3 + 3)  # the Dense layer is applied at each of 5 steps


def test_nested_models_are_expanded(mlp):
    inputs = keras.Input((8,))
    outer = keras.Model(inputs, keras.layers.Dense(2)(mlp(inputs)))
    assert count_flops(outer) == 421 + 2 * 1 * 2 + 2
    assert count_parameters(outer)["total"] == 221 + 4


def test_resnet50_matches_the_published_multiply_adds():
    # He et al. (2016), Table 1: 3.8 x 10^9 multiply-adds for ResNet-50 at 224 x 224; 25.6 M parameters.
    model = keras.applications.ResNet50(weights=None)
    assert count_flops(model) / 2 == pytest.approx(3.8e9, rel=0.03)
    assert count_parameters(model)["total"] == 25_636_712


def test_unknown_layer_and_bad_models_are_refused():
    recurrent = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4, name="lstm")])
    with pytest.raises(ValueError, match="cannot count the FLOPs of layer 'lstm' of type LSTM: expected one of"):
        count_flops(recurrent)
    with pytest.raises(TypeError, match="model must be a keras.Model, got list"):
        count_parameters([1, 2])
    with pytest.raises(ValueError, match="must be built: give it a keras.Input"):
        count_flops(keras.Sequential([keras.layers.Dense(2)]))


# --- Size and int8 quantisation ------------------------------------------------------------------


def test_model_size_counts_bytes_per_value(mlp):
    assert model_size_bytes(mlp) == 4 * 221
    quantized = quantize_int8(mlp)
    kernels, biases = 8 * 12 + 12 * 8 + 8 * 1, 12 + 8 + 1
    assert model_size_bytes(quantized) == 1 * kernels + 4 * biases + 4 * biases  # + one scale per unit


def _numpy_int8_dense(x, kernel, bias):
    """Keras's int8 Dense, independently: symmetric abs-max, per output unit and per example."""
    epsilon = keras.config.epsilon()
    w_scale = 127 / (np.abs(kernel).max(axis=0, keepdims=True) + epsilon)
    w_q = np.clip(np.round(kernel * w_scale), -127, 127)
    x_scale = 127 / (np.abs(x).max(axis=1, keepdims=True) + epsilon)
    x_q = np.clip(np.round(x * x_scale), -127, 127)
    return (x_q @ w_q) / (x_scale * w_scale) + bias


def test_quantized_dense_matches_numpy_and_the_float_model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(6)])
    x = np.random.default_rng(0).normal(size=(50, 16)).astype("float32")
    kernel, bias = (np.asarray(w) for w in model.get_weights())
    float_out = np.asarray(model.predict_on_batch(x))
    quantized = quantize_int8(model)
    int8_out = np.asarray(quantized.predict_on_batch(x))
    np.testing.assert_allclose(int8_out, _numpy_int8_dense(x, kernel, bias), atol=1e-5)
    assert not np.array_equal(int8_out, float_out)  # it really is quantised
    np.testing.assert_allclose(int8_out, float_out, atol=0.05)  # and close: errors of ~1/127 of the range
    # The float model is untouched.
    assert model.layers[0].kernel.dtype == "float32"
    np.testing.assert_array_equal(np.asarray(model.predict_on_batch(x)), float_out)


def test_quantized_classifiers_agree_with_float_within_tolerance(mlp, cnn):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 8)).astype("float32")
    p_float, p_int8 = (np.asarray(m.predict_on_batch(x))[:, 0] for m in (mlp, quantize_int8(mlp)))
    assert np.abs(p_int8 - p_float).max() < 0.02  # the tolerance the chapter states
    images = rng.random((8, 64, 64, 1)).astype("float32")
    quantized_cnn = quantize_int8(cnn)
    assert [w.dtype for w in quantized_cnn.get_layer("conv1").weights] == ["float32"]  # Keras 3: Dense only
    assert quantized_cnn.layers[-1].kernel.dtype == "int8"
    diff = np.asarray(quantized_cnn.predict_on_batch(images)) - np.asarray(cnn.predict_on_batch(images))
    assert np.abs(diff).max() < 0.02


def test_quantize_refuses_a_model_without_quantisable_layers():
    conv_only = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match=r"no layer that Keras can quantise to int8 .* got layers of types"):
        quantize_int8(conv_only)


# --- Timings ---------------------------------------------------------------------------------------


def test_latency_is_positive_and_grows_with_batch_size():
    model = keras.Sequential([keras.Input((32, 32, 8)), keras.layers.Conv2D(16, 3, padding="same")])
    table = measure_latency(model, [1, 256], repeats=5, warmup=1)
    assert list(table.columns) == ["seconds_per_batch", "ms_per_example", "examples_per_second"]
    assert (table.to_numpy() > 0).all()
    # 256 examples of about 2.4 MFLOP each take longer than one, and are processed faster per example.
    assert table.loc[256, "seconds_per_batch"] > table.loc[1, "seconds_per_batch"]
    assert table.loc[256, "examples_per_second"] > table.loc[1, "examples_per_second"]
    np.testing.assert_allclose(table["ms_per_example"], 1e3 * table["seconds_per_batch"] / table.index)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_sizes": []}, "batch_sizes must be a non-empty sequence of positive integers, got"),
        ({"batch_sizes": 8}, "batch_sizes must be a non-empty sequence"),
        ({"batch_sizes": [1, 0]}, r"batch_sizes\[1\] must be a positive integer, got 0"),
        ({"batch_sizes": [1], "repeats": 0}, "repeats must be a positive integer, got 0"),
        ({"batch_sizes": [1], "warmup": -1}, "warmup must be a non-negative integer, got -1"),
    ],
)
def test_latency_bad_arguments(mlp, kwargs, message):
    with pytest.raises(ValueError, match=message):
        measure_latency(mlp, **kwargs)


def test_latency_needs_a_fixed_input_shape():
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"one input of fixed shape \(batch, ...\), got input shape"):
        measure_latency(model, [1])


def test_time_epoch_trains_and_is_positive():
    keras.utils.set_random_seed(0)
    model = build_diagnosis_mlp()
    x = np.random.default_rng(0).normal(size=(300, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    before = model.get_weights()[0].copy()
    assert time_epoch(model, x, y, batch_size=32, repeats=2) > 0
    assert not np.array_equal(model.get_weights()[0], before)  # the model was trained


def test_time_epoch_bad_arguments(mlp):
    x, y = np.zeros((10, 8), dtype="float32"), np.zeros(10, dtype="float32")
    uncompiled = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)], name="plain")
    with pytest.raises(ValueError, match="model 'plain' must be compiled"):
        time_epoch(uncompiled, x, y)
    with pytest.raises(ValueError, match="x and y must have the same, non-zero number of rows, got 10 and 9"):
        time_epoch(mlp, x, y[:9])
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        time_epoch(mlp, x, y, batch_size=0)

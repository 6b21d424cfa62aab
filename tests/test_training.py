"""companion.training: gradients against finite differences and TensorFlow, training, bad inputs."""

import subprocess
import sys

import numpy as np
import pytest

import companion
from companion import training
from companion.training import MLP, gradient_check, relative_error, train

ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu"]
# (loss, output layer): BCE needs a probability; MSE works on both.
LOSS_OUTPUTS = [("bce", "sigmoid"), ("mse", "sigmoid"), ("mse", "linear")]


def problem(loss, output, n_outputs=2, seed=0):
    """A small random regression or classification problem and a matching network."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 3))
    if loss == "bce":
        y = (rng.random((12, n_outputs)) < 0.5).astype(float)
    else:
        y = rng.normal(size=(12, n_outputs)) if output == "linear" else rng.random((12, n_outputs))
    return X, y


@pytest.fixture(scope="module")
def tf():
    companion.quiet_tensorflow()
    import tensorflow

    return tensorflow


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("loss", "output"), LOSS_OUTPUTS)
def test_backpropagation_matches_finite_differences(activation, loss, output):
    X, y = problem(loss, output)
    model = MLP([3, 5, 4, 2], hidden_activation=activation, output=output, seed=1)
    assert gradient_check(model, X, y, loss=loss) < 1e-6


def test_gradient_check_catches_a_wrong_derivative(monkeypatch):
    X, y = problem("bce", "sigmoid")
    model = MLP([3, 5, 2], hidden_activation="tanh", seed=1)
    # A classic mistake: 1 - tanh(z) instead of 1 - tanh(z)**2.
    monkeypatch.setitem(training.ACTIVATIONS, "tanh", (np.tanh, lambda z: 1.0 - np.tanh(z)))
    assert gradient_check(model, X, y, loss="bce") > 1e-2


def test_forward_matches_a_computation_by_hand():
    model = MLP([2, 2, 1], hidden_activation="relu")
    model.set_params(
        [(np.array([[0.5, -1.0], [1.5, 0.5]]), np.array([0.1, -0.2])), (np.array([[2.0], [-1.0]]), np.array([0.3]))]
    )
    # z1 = [0.5*1 + 1.5*2 + 0.1, -1*1 + 0.5*2 - 0.2] = [3.6, -0.2]; relu -> [3.6, 0]; z2 = 7.2 + 0.3.
    expected = 1 / (1 + np.exp(-7.5))
    np.testing.assert_allclose(model.forward([[1.0, 2.0]]), [[expected]], rtol=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("loss", "output"), LOSS_OUTPUTS)
def test_backpropagation_matches_gradient_tape(tf, activation, loss, output):
    X, y = problem(loss, output)
    model = MLP([3, 5, 4, 2], hidden_activation=activation, output=output, seed=3)
    variables = [tf.Variable(array) for array in model.arrays()]
    act = {
        "relu": tf.nn.relu,
        "tanh": tf.tanh,
        "sigmoid": tf.sigmoid,
        # tf.nn.leaky_relu stores its slope in float32; written out, it stays float64.
        "leaky_relu": lambda z: tf.maximum(z, 0.01 * z),
    }[activation]
    with tf.GradientTape() as tape:
        a = tf.constant(X)
        for layer in range(0, len(variables), 2):
            z = a @ variables[layer] + variables[layer + 1]
            a = act(z)
        if loss == "bce":
            value = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))
        else:
            prediction = tf.sigmoid(z) if output == "sigmoid" else z
            value = tf.reduce_mean((prediction - y) ** 2)
    expected = tape.gradient(value, variables)
    assert model.evaluate(X, y, loss) == pytest.approx(float(value), rel=1e-12)
    ours = [g for pair in model.gradients(X, y, loss) for g in pair]
    for mine, theirs in zip(ours, expected, strict=True):
        assert relative_error(mine, theirs.numpy()) < 1e-6


def test_backpropagation_matches_a_keras_model_with_the_same_weights(tf):
    import keras

    X, y = problem("bce", "sigmoid", n_outputs=1)
    model = MLP([3, 6, 4, 1], hidden_activation="relu", seed=4)
    layers = [(6, "relu"), (4, "relu"), (1, "sigmoid")]
    dense = [keras.layers.Dense(n, activation=a, dtype="float64") for n, a in layers]
    keras_model = keras.Sequential([keras.Input((3,), dtype="float64"), *dense])
    keras_model.set_weights(model.arrays())  # same layout: kernels are (n_in, n_out)
    with tf.GradientTape() as tape:
        value = keras.losses.BinaryCrossentropy(dtype="float64")(y, keras_model(X))
    expected = tape.gradient(value, keras_model.trainable_variables)
    np.testing.assert_allclose(model.forward(X), keras_model(X).numpy(), rtol=1e-12)
    ours = [g for pair in model.gradients(X, y, "bce") for g in pair]
    assert max(relative_error(a, b.numpy()) for a, b in zip(ours, expected, strict=True)) < 1e-6


def linearly_separable(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X @ [1.0, -2.0] + 0.5 > 0).astype(int)


@pytest.mark.parametrize(("optimizer", "learning_rate"), [("sgd", 0.5), ("momentum", 0.1), ("adam", 0.05)])
def test_training_reduces_the_loss_on_a_separable_problem(optimizer, learning_rate):
    X, y = linearly_separable()
    model = MLP([2, 4, 1], hidden_activation="tanh")
    history = train(model, X, y, epochs=60, batch_size=16, learning_rate=learning_rate, optimizer=optimizer)
    assert history.train_loss[-1] < 0.25 * history.train_loss[0]
    assert ((model.forward(X)[:, 0] > 0.5) == y).mean() >= 0.95



# Gradients for the optimiser tests: signs change, sizes span six orders of magnitude.
GRADIENTS = [np.array([0.5, -2.0, 1e-6]), np.array([-0.5, -1.0, 3e-6]), np.array([0.25, 4.0, -1e-6])]


def adam_by_hand(gradients, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-7):
    """Adam as in Algorithm 1 of Kingma and Ba (2015), written out here: the parameter after each step."""
    theta, m, v, path = 0.0, 0.0, 0.0, []
    for t, g in enumerate(gradients, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        theta = theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
        path.append(theta)
    return path


def optimizer_path(name, gradients, learning_rate):
    """The package's optimiser applied to one parameter vector that starts at 0: its value after each step."""
    theta = np.zeros_like(gradients[0])
    step = training._optimizer(name, learning_rate, [theta])
    path = []
    for g in gradients:
        step([g])
        path.append(theta.copy())
    return path


def test_adam_uses_keras_defaults_and_the_paper_s_update():
    assert (training.ADAM_BETA1, training.ADAM_BETA2, training.ADAM_EPSILON) == (0.9, 0.999, 1e-7)
    ours = optimizer_path("adam", GRADIENTS, learning_rate=0.1)
    np.testing.assert_allclose(ours, adam_by_hand(GRADIENTS, learning_rate=0.1), rtol=1e-12, atol=0)


def test_two_adam_steps_by_hand():
    # Gradients 1 then -1. Step 1: m = 0.1, v = 0.001, corrected to 1 and 1: theta = -eta / (1 + eps).
    # Step 2: m = 0.09 - 0.1 = -0.01 and v = 0.000999 + 0.001 = 0.001999; corrected by 1 - 0.9**2 = 0.19
    # and 1 - 0.999**2 = 0.001999 to -1/19 and 1: theta moves back by eta / 19 / (1 + eps).
    eta, eps = 0.1, 1e-7
    path = optimizer_path("adam", [np.array([1.0]), np.array([-1.0])], learning_rate=eta)
    np.testing.assert_allclose(path, [[-eta / (1 + eps)], [-eta / (1 + eps) + eta / 19 / (1 + eps)]], rtol=1e-12)


def test_the_first_adam_step_of_train_moves_every_parameter_by_about_the_learning_rate():
    X, y = linearly_separable(n=40)
    model = MLP([2, 4, 1], hidden_activation="tanh", seed=2)
    before = [array.copy() for array in model.arrays()]
    g = [gradient.copy() for pair in model.gradients(X, y) for gradient in pair]
    train(model, X, y, epochs=1, batch_size=len(X), learning_rate=0.01, optimizer="adam")  # one full-batch step
    for after, start, grad in zip(model.arrays(), before, g, strict=True):
        # At t = 1 the corrected means are g and g**2: the step is eta * g / (|g| + eps), about eta.
        np.testing.assert_allclose(after - start, -0.01 * grad / (np.abs(grad) + 1e-7), rtol=1e-9, atol=1e-15)


def test_momentum_by_hand():
    # m1 = -eta g = -0.1, theta1 = -0.1; m2 = 0.9 * (-0.1) - 0.1 = -0.19, theta2 = -0.29.
    path = optimizer_path("momentum", [np.array([1.0]), np.array([1.0])], learning_rate=0.1)
    np.testing.assert_allclose(path, [[-0.1], [-0.29]], rtol=1e-12)


def keras_path(tf, optimizer, gradients):
    variable = tf.Variable(np.zeros_like(gradients[0]), dtype=tf.float64)
    path = []
    for g in gradients:
        optimizer.apply_gradients([(tf.constant(g), variable)])
        path.append(variable.numpy().copy())
    return path


def test_optimizers_match_keras(tf):
    import keras

    # Momentum: Keras's SGD uses the same velocity form, m = beta m - eta g, theta = theta + m.
    ours = optimizer_path("momentum", GRADIENTS, learning_rate=0.1)
    theirs = keras_path(tf, keras.optimizers.SGD(learning_rate=0.1, momentum=training.MOMENTUM), GRADIENTS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)  # Keras keeps the learning rate in float32
    # Adam: Keras adds epsilon to sqrt(v) before the bias correction (the paper's "epsilon hat"), which
    # is Algorithm 1 with epsilon / sqrt(1 - beta2**t), and it computes beta1**t and beta2**t from the
    # betas rounded to float32 (1 - beta2 is then 1.3e-5 too small). Written out, that matches Keras ...
    adam = keras.optimizers.Adam(learning_rate=0.1, epsilon=training.ADAM_EPSILON)
    theirs = keras_path(tf, adam, GRADIENTS)
    beta1_32, beta2_32 = float(np.float32(0.9)), float(np.float32(0.999))
    theta, m, v, keras_by_hand = 0.0, 0.0, 0.0, []
    for t, g in enumerate(GRADIENTS, start=1):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        theta = theta - 0.1 * np.sqrt(1 - beta2_32**t) / (1 - beta1_32**t) * m / (np.sqrt(v) + 1e-7)
        keras_by_hand.append(theta)
    np.testing.assert_allclose(theirs, keras_by_hand, rtol=1e-7)
    # ... and the package agrees with Keras to a few parts in 1e5 wherever the gradient is much larger
    # than epsilon (for a gradient of 0.5 the two effects above add up to 1.3e-5),
    ours = np.array(optimizer_path("adam", GRADIENTS, learning_rate=0.1))
    np.testing.assert_allclose(ours[:, :2], np.array(theirs)[:, :2], rtol=5e-5)
    # but not for gradients near epsilon: at 1e-6 Keras's first step is a quarter of the package's.
    assert abs(theirs[0][2]) < 0.3 * abs(ours[0, 2])

def test_a_hidden_layer_learns_xor_and_a_single_neuron_cannot():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    for sizes, expected in [([2, 8, 1], 1.0), ([2, 1], 0.75)]:
        model = MLP(sizes, hidden_activation="tanh")
        train(model, X, y, epochs=500, batch_size=4, learning_rate=0.05, optimizer="adam")
        accuracy = ((model.forward(X)[:, 0] > 0.5) == y).mean()
        assert accuracy == 1.0 if expected == 1.0 else accuracy <= expected


def run(model_seed, train_seed):
    X, y = linearly_separable(seed=1)
    model = MLP([2, 5, 1], seed=model_seed)
    initial = model.get_params()
    history = train(
        model, X[:60], y[:60], epochs=5, batch_size=8, learning_rate=0.1, X_val=X[60:], y_val=y[60:], seed=train_seed
    )
    return initial, model.get_params(), history


def test_same_seeds_give_identical_weights_and_history():
    first, second = run(0, 0), run(0, 0)
    for params_a, params_b in zip(first[:2], second[:2], strict=True):
        for array_a, array_b in zip(training._flat(params_a), training._flat(params_b), strict=True):
            np.testing.assert_array_equal(array_a, array_b)
    assert first[2] == second[2]


def test_different_seeds_change_the_initialisation_and_the_shuffling():
    base_init, _, base_history = run(0, 0)
    other_init, _, _ = run(1, 0)
    assert not np.array_equal(base_init[0][0], other_init[0][0])
    _, _, reshuffled = run(0, 1)
    assert reshuffled.train_loss[1:] != base_history.train_loss[1:]


def test_a_batch_larger_than_the_data_is_the_full_batch():
    X, y = linearly_separable(n=30)
    histories = [train(MLP([2, 3, 1]), X, y, epochs=3, batch_size=b, learning_rate=0.1) for b in (30, 1000)]
    assert histories[0] == histories[1]


def overfitting_problem():
    """Few noisy samples and a wide network: the validation loss turns up after a while."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 5))
    y = (X[:, 0] + rng.normal(scale=1.5, size=100) > 0).astype(int)
    return X[:30], y[:30], X[30:], y[30:]


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y, X_val, y_val = overfitting_problem()
    model = MLP([5, 64, 64, 1])
    history = train(
        model,
        X,
        y,
        epochs=300,
        batch_size=30,
        learning_rate=0.01,
        optimizer="adam",
        X_val=X_val,
        y_val=y_val,
        patience=10,
    )
    epochs_run = len(history.val_loss) - 1
    assert epochs_run == history.best_epoch + 10 < 300
    assert history.val_loss[history.best_epoch] == min(history.val_loss)
    assert model.evaluate(X_val, y_val) == pytest.approx(history.val_loss[history.best_epoch], rel=1e-12)
    assert model.evaluate(X_val, y_val) < history.val_loss[-1]


def test_without_patience_the_final_weights_are_kept():
    X, y, X_val, y_val = overfitting_problem()
    model = MLP([5, 64, 64, 1])
    history = train(
        model, X, y, epochs=80, batch_size=30, learning_rate=0.01, optimizer="adam", X_val=X_val, y_val=y_val
    )
    assert len(history.val_loss) == 81
    assert history.best_epoch < 80
    assert model.evaluate(X_val, y_val) == pytest.approx(history.val_loss[-1], rel=1e-12)


def test_float32_models_stay_float32():
    X, y = linearly_separable(n=20)
    model = MLP([2, 3, 1], dtype=np.float32)
    train(model, X, y, epochs=2, batch_size=5, learning_rate=0.1, optimizer="adam")
    assert {array.dtype for array in model.arrays()} == {np.dtype(np.float32)}
    assert model.forward(X).dtype == np.float32


def test_get_params_returns_copies():
    model = MLP([2, 3, 1])
    params = model.get_params()
    params[0][0][:] = 99.0
    assert not np.any(model.weights[0] == 99.0)


def test_backward_before_forward_is_refused():
    with pytest.raises(RuntimeError, match="forward"):
        MLP([2, 1]).backward([1])


def test_importing_the_module_does_not_import_tensorflow():
    code = "import sys, companion.training; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


X4 = np.zeros((4, 2))
Y4 = np.array([0, 1, 1, 0])
BAD_MODELS = [
    ({"layer_sizes": [2]}, r"layer_sizes must be a sequence of 2 or more positive integers, got \[2\]"),
    ({"layer_sizes": [2, 0, 1]}, r"layer_sizes\[1\] must be a positive integer, got 0"),
    ({"layer_sizes": [2, 1.5]}, r"layer_sizes\[1\] must be a positive integer, got 1.5"),
    ({"layer_sizes": [2, 1], "hidden_activation": "softmax"}, r"hidden_activation must be one of .*'softmax'"),
    ({"layer_sizes": [2, 1], "output": "tanh"}, r"output must be one of \['sigmoid', 'linear'\], got 'tanh'"),
    ({"layer_sizes": [2, 1], "dtype": np.int64}, r"dtype must be numpy.float32 or numpy.float64"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_MODELS)
def test_bad_model_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(**kwargs)


def fit(**changes):
    arguments = {"X": X4, "y": Y4, "loss": "bce", "epochs": 1, "batch_size": 2, "learning_rate": 0.1}
    return train(MLP([2, 1]), **{**arguments, **changes})


BAD_TRAINING = [
    ({"X": np.zeros((4, 3))}, r"X must have shape \(n_samples, 2\), got shape \(4, 3\)"),
    ({"X": np.zeros(4)}, r"X must have shape \(n_samples, 2\), got shape \(4,\)"),
    ({"X": np.array([[0, 1], [np.nan, 0], [1, 0], [1, 1]])}, r"X must contain only finite numbers, got 1 NaN"),
    ({"y": np.array([0, 1, 1])}, r"y must have 4 rows like its inputs, got 3"),
    ({"y": np.array([0, 1, 2, 0])}, r"y must contain only 0 and 1 for loss 'bce', got values \[0. 1. 2.\]"),
    ({"y": np.array([0, 1, np.inf, 0])}, r"y must contain only finite numbers"),
    ({"loss": "hinge"}, r"loss must be one of \['bce', 'mse'\], got 'hinge'"),
    ({"optimizer": "rmsprop"}, r"optimizer must be one of \['sgd', 'momentum', 'adam'\], got 'rmsprop'"),
    ({"learning_rate": 0}, r"learning_rate must be a positive finite number, got 0"),
    ({"learning_rate": -0.1}, r"learning_rate must be a positive finite number, got -0.1"),
    ({"learning_rate": np.nan}, r"learning_rate must be a positive finite number, got nan"),
    ({"batch_size": 0}, r"batch_size must be a positive integer, got 0"),
    ({"batch_size": 2.5}, r"batch_size must be a positive integer, got 2.5"),
    ({"epochs": -1}, r"epochs must be a positive integer, got -1"),
    ({"patience": 3}, r"patience needs them; got X_val None, y_val None, patience 3"),
    ({"X_val": X4}, r"X_val and y_val must be given together"),
    ({"X_val": X4, "y_val": Y4, "patience": 0}, r"patience must be a positive integer, got 0"),
    ({"X_val": np.zeros((2, 5)), "y_val": Y4[:2]}, r"X_val must have shape \(n_samples, 2\), got shape \(2, 5\)"),
    ({"X_val": X4, "y_val": Y4[:3]}, r"y_val must have 4 rows like its inputs, got 3"),
    ({"X_val": X4, "y_val": [0, 0.5, 1, 1]}, r"y_val must contain only 0 and 1 for loss 'bce', got values"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_TRAINING)
def test_bad_training_arguments_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        fit(**changes)


def test_bce_needs_a_sigmoid_output_and_set_params_needs_the_right_shapes():
    with pytest.raises(ValueError, match=r"loss 'bce' needs output='sigmoid', got output='linear'"):
        MLP([2, 1], output="linear").evaluate(X4, Y4, "bce")
    with pytest.raises(ValueError, match=r"params must have the shapes \[\(\(2, 1\), \(1,\)\)\], got"):
        MLP([2, 1]).set_params([(np.zeros((1, 2)), np.zeros(1))])
    with pytest.raises(ValueError, match=r"eps must be a positive finite number, got 0"):
        gradient_check(MLP([2, 1]), X4, Y4, eps=0)

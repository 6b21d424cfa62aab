"""A NumPy multilayer perceptron: forward pass, backpropagation, gradient check, training loop.

Everything a network needs to learn fits in this module, in plain NumPy, so
that each step of the chapter "Training a network" can be read, printed and
checked against TensorFlow. Weights use the Keras layout: a layer's kernel
``W`` has shape ``(n_in, n_out)`` and acts on row vectors, ``z = a @ W + b``.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
>>> y = np.array([0, 1, 1, 0])  # XOR: no single neuron can learn it
>>> model = MLP([2, 8, 1], hidden_activation="tanh", seed=0)
>>> gradient_check(model, X, y, loss="bce") < 1e-6
True
>>> history = train(model, X, y, loss="bce", epochs=300, batch_size=4,
...                 learning_rate=0.05, optimizer="adam")
>>> bool(((model.forward(X)[:, 0] > 0.5) == y).all())
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from companion import neuron
from companion.neuron import sigmoid
from companion.validation import (
    finite_array,
    non_negative_int,
    one_of,
    positive_int,
    positive_ints,
    positive_number,
)

#: Hidden activations: the function and its derivative of the pre-activation ``z``, from
#: :mod:`companion.neuron`, so the chapter's neuron and network share one tested implementation.
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    name: neuron.ACTIVATIONS[name] for name in ("relu", "tanh", "sigmoid", "leaky_relu")
}
OUTPUTS = ("sigmoid", "linear")
LOSSES = ("bce", "mse")
OPTIMIZERS = ("sgd", "momentum", "adam")
# Adam's are Keras's defaults, so that it behaves like the optimizer the later chapters use; 0.9 is the
# usual momentum (Keras's SGD has none unless asked, SGD(momentum=0.9)).
MOMENTUM, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.9, 0.999, 1e-7


def _as_finite_2d(name: str, values: object, n_columns: int, dtype: type) -> np.ndarray:
    """Return ``values`` as a finite array of shape (n, n_columns); a 1-D array is one column."""
    array = finite_array(name, values, dtype)
    if array.ndim == 1 and n_columns == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != n_columns or array.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n_samples, {n_columns}), got shape {np.shape(values)}")
    return array


class MLP:
    """A fully connected network with one activation for all hidden layers.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, inputs first: ``[8, 12, 8, 1]`` is the source text's
        Keras model for 8 clinical features.
    hidden_activation : {"relu", "tanh", "sigmoid", "leaky_relu"}, default "relu"
    output : {"sigmoid", "linear"}, default "sigmoid"
        Activation of the last layer: a probability or an unbounded number.
    seed : int, default 0
        Seed of the initialisation: He normal before ReLU, Glorot uniform
        otherwise (each keeps the signal's variance from layer to layer); biases 0.
    dtype : numpy float type, default numpy.float64

    Examples
    --------
    >>> model = MLP([2, 3, 1], seed=0)
    >>> [W.shape for W, b in model.get_params()]
    [(2, 3), (3, 1)]
    >>> model.forward([[0.5, -1.0]]).shape
    (1, 1)
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        hidden_activation: str = "relu",
        output: str = "sigmoid",
        seed: int = 0,
        dtype: type = np.float64,
    ) -> None:
        sizes = positive_ints("layer_sizes", layer_sizes, min_length=2)
        self.hidden_activation = one_of("hidden_activation", hidden_activation, ACTIVATIONS)
        self.output = one_of("output", output, OUTPUTS)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}")
        self.layer_sizes, self.dtype = sizes, dtype
        rng = np.random.default_rng(non_negative_int("seed", seed))
        self.weights, self.biases = [], []
        for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            feeds_relu = hidden_activation == "relu" and index < len(sizes) - 2
            if feeds_relu:
                W = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out))
            else:
                limit = np.sqrt(6.0 / (n_in + n_out))
                W = rng.uniform(-limit, limit, (n_in, n_out))
            self.weights.append(W.astype(dtype))
            self.biases.append(np.zeros(n_out, dtype))
        self._cache: tuple[list[np.ndarray], list[np.ndarray]] | None = None

    def forward(self, X: object) -> np.ndarray:
        """Outputs of shape (n_samples, n_outputs); keeps the inputs and sums of every layer for backward."""
        a = _as_finite_2d("X", X, self.layer_sizes[0], self.dtype)
        activate = ACTIVATIONS[self.hidden_activation][0]
        inputs, sums = [], []
        for index, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            inputs.append(a)
            sums.append(a @ W + b)
            a = activate(sums[-1]) if index < len(self.weights) - 1 else sums[-1]
        self._cache = (inputs, sums)
        return sigmoid(a) if self.output == "sigmoid" else a

    def evaluate(self, X: object, y: object, loss: str = "bce") -> float:
        """Mean loss over every sample and output."""
        self.forward(X)
        return _loss_and_delta(self, y, loss)[0]

    def backward(self, y: object, loss: str = "bce") -> list[tuple[np.ndarray, np.ndarray]]:
        """Gradients ``[(dL/dW, dL/db), ...]`` of the loss at the last ``forward``, by the chain rule."""
        _, delta = _loss_and_delta(self, y, loss)  # dL/dz of the output layer
        inputs, sums = self._cache
        derivative = ACTIVATIONS[self.hidden_activation][1]
        grads = []
        for layer in reversed(range(len(self.weights))):
            grads.append((inputs[layer].T @ delta, delta.sum(axis=0)))
            if layer > 0:  # send the error back through W, then through the activation
                delta = (delta @ self.weights[layer].T) * derivative(sums[layer - 1])
        return grads[::-1]

    def gradients(self, X: object, y: object, loss: str = "bce") -> list[tuple[np.ndarray, np.ndarray]]:
        """Forward then backward: the gradient of the mean loss on (X, y)."""
        self.forward(X)
        return self.backward(y, loss)

    def get_params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of ``[(W, b), ...]``; ``W`` is (n_in, n_out) like a Keras Dense kernel."""
        return [(W.copy(), b.copy()) for W, b in zip(self.weights, self.biases, strict=True)]

    def arrays(self) -> list[np.ndarray]:
        """The model's own arrays ``[W1, b1, W2, b2, ...]`` (not copies): updating them trains it."""
        return _flat(zip(self.weights, self.biases, strict=True))

    def set_params(self, params: Sequence[tuple[object, object]]) -> None:
        """Replace every weight and bias; shapes must match ``get_params()``."""
        expected = [(W.shape, b.shape) for W, b in zip(self.weights, self.biases, strict=True)]
        pairs = list(params) if isinstance(params, Sequence) else None
        if pairs is None or not all(isinstance(pair, Sequence) and len(pair) == 2 for pair in pairs):
            raise ValueError(f"params must be a list of (W, b) pairs with the shapes {expected}, got {params!r}")
        given = [(np.shape(W), np.shape(b)) for W, b in pairs]
        if given != expected:
            raise ValueError(f"params must have the shapes {expected}, got {given}")
        arrays = [finite_array("params", array, self.dtype) for array in _flat(pairs)]
        self.weights, self.biases = arrays[::2], arrays[1::2]
        self._cache = None


def _flat(pairs: object) -> list[np.ndarray]:
    """``[(W1, b1), (W2, b2)]`` to ``[W1, b1, W2, b2]``."""
    return [array for pair in pairs for array in pair]


def _targets(name: str, y: object, n_rows: int, model: MLP, loss: str) -> np.ndarray:
    """Check targets against the inputs' row count and the loss; return them as (n, n_outputs)."""
    target = _as_finite_2d(name, y, model.layer_sizes[-1], model.dtype)
    if len(target) != n_rows:
        raise ValueError(f"{name} must have {n_rows} rows like its inputs, got {len(target)}")
    if loss == "bce" and model.output != "sigmoid":
        raise ValueError(f"loss 'bce' needs output='sigmoid', got output={model.output!r}")
    if loss == "bce" and not np.isin(target, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0 and 1 for loss 'bce', got values {np.unique(target)[:5]}")
    return target


def _loss_and_delta(model: MLP, y: object, loss: str) -> tuple[float, np.ndarray]:
    """Loss at the cached forward pass and its gradient with respect to the output sums."""
    one_of("loss", loss, LOSSES)
    if model._cache is None:
        raise RuntimeError("call forward(X) before backward(y)")
    z = model._cache[1][-1]
    target = _targets("y", y, len(z), model, loss)
    n = z.size  # the loss is a mean over samples and outputs, as in Keras
    if loss == "bce":
        # -[y log p + (1-y) log(1-p)] with p = sigmoid(z) is log(1 + e^z) - y z: no overflow, no log(0).
        value = np.mean(np.logaddexp(0.0, z) - target * z)
        return float(value), (sigmoid(z) - target) / n
    prediction = sigmoid(z) if model.output == "sigmoid" else z
    slope = prediction * (1 - prediction) if model.output == "sigmoid" else 1.0
    error = prediction - target
    return float(np.mean(error**2)), 2.0 * error * slope / n


def numerical_gradients(
    model: MLP, X: object, y: object, loss: str = "bce", eps: float = 1e-6
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Central finite differences ``(L(p + eps) - L(p - eps)) / 2 eps`` for every parameter.

    Slow (two forward passes per parameter) and only as accurate as ``eps``
    allows, which is why it checks backpropagation rather than replacing it.
    """
    positive_number("eps", eps)
    grads = []
    for array in model.arrays():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            upper = model.evaluate(X, y, loss)
            array[index] = original - eps
            lower = model.evaluate(X, y, loss)
            array[index] = original
            grad[index] = (upper - lower) / (2 * eps)
        grads.append(grad)
    return list(zip(grads[::2], grads[1::2], strict=True))


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``|a - b| / (|a| + |b|)`` in the Euclidean norm; 0 when both are 0."""
    a, b = finite_array("a", a, float), finite_array("b", b, float)
    if a.shape != b.shape:
        raise ValueError(f"b must have the shape of a, {a.shape}, got {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def gradient_check(model: MLP, X: object, y: object, loss: str = "bce", eps: float = 1e-6) -> float:
    """Largest relative error between backpropagation and finite differences over all W and b.

    In float64 a correct implementation gives about 1e-8 or less; a wrong
    one gives 1e-2 or more.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> model = MLP([3, 4, 2], hidden_activation="sigmoid", output="linear")
    >>> gradient_check(model, rng.normal(size=(5, 3)), rng.normal(size=(5, 2)), loss="mse") < 1e-6
    True
    """
    analytic = model.gradients(X, y, loss)
    numeric = numerical_gradients(model, X, y, loss, eps)
    pairs = zip(_flat(analytic), _flat(numeric), strict=True)
    return max(relative_error(a, n) for a, n in pairs)


@dataclass
class History:
    """Losses after each epoch; index 0 is before any update, so index k is after k epochs."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] | None = None
    best_epoch: int | None = None  # epoch of lowest validation loss (early stopping restores it)


def _optimizer(name: str, learning_rate: float, arrays: list[np.ndarray]) -> Callable:
    """A function that updates ``arrays`` in place from their gradients, one step per call."""
    first = [np.zeros_like(a) for a in arrays]  # momentum, or Adam's running mean of g
    second = [np.zeros_like(a) for a in arrays]  # Adam's running mean of g squared
    steps = [0]

    def step(grads: list[np.ndarray]) -> None:
        steps[0] += 1
        for a, g, m, v in zip(arrays, grads, first, second, strict=True):
            if name == "sgd":
                a -= learning_rate * g
            elif name == "momentum":  # a velocity that averages out the noise of mini-batches
                m *= MOMENTUM
                m -= learning_rate * g
                a += m
            else:  # Adam: a step per parameter scaled by its recent gradient size
                m += (1 - ADAM_BETA1) * (g - m)
                v += (1 - ADAM_BETA2) * (g * g - v)
                m_hat = m / (1 - ADAM_BETA1 ** steps[0])  # correct the bias of starting at 0
                v_hat = v / (1 - ADAM_BETA2 ** steps[0])
                a -= learning_rate * m_hat / (np.sqrt(v_hat) + ADAM_EPSILON)

    return step


def train(
    model: MLP,
    X: object,
    y: object,
    loss: str = "bce",
    epochs: int = 100,
    batch_size: int = 32,
    learning_rate: float = 0.01,
    optimizer: str = "sgd",
    X_val: object = None,
    y_val: object = None,
    patience: int | None = None,
    seed: int = 0,
) -> History:
    """Mini-batch gradient descent on ``model`` in place.

    Each epoch visits the samples once, in an order shuffled by a generator
    seeded with ``seed``, in batches of ``batch_size`` (a batch larger than
    the data is the full batch). With ``patience``, training stops after that
    many epochs without a lower validation loss and the weights of the best
    epoch are restored (early stopping, which needs ``X_val`` and ``y_val``).

    Parameters
    ----------
    model : MLP
    X, y : array-like
        Inputs (n_samples, n_inputs) and targets (n_samples,) or (n_samples, n_outputs).
    loss : {"bce", "mse"}
    epochs, batch_size : int
    learning_rate : float
    optimizer : {"sgd", "momentum", "adam"}
    X_val, y_val : array-like, optional
        Validation data: monitored after each epoch, never trained on.
    patience : int, optional
    seed : int
        Seed of the shuffling; same seed and model, same history.

    Returns
    -------
    History
        Training loss (and validation loss) after each epoch, and the best epoch.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
    >>> history = train(MLP([2, 1]), X, y, epochs=20, batch_size=8, learning_rate=0.5)
    >>> len(history.train_loss), history.train_loss[-1] < history.train_loss[0] / 2
    (21, True)
    """
    one_of("optimizer", optimizer, OPTIMIZERS)
    positive_number("learning_rate", learning_rate)
    positive_int("batch_size", batch_size)
    positive_int("epochs", epochs)
    non_negative_int("seed", seed)
    if patience is not None:
        positive_int("patience", patience)
    one_of("loss", loss, LOSSES)
    X = _as_finite_2d("X", X, model.layer_sizes[0], model.dtype)
    y = _targets("y", y, len(X), model, loss)
    if (X_val is None) != (y_val is None) or (patience is not None and X_val is None):
        raise ValueError(
            "X_val and y_val must be given together, and patience needs them; "
            f"got X_val {'set' if X_val is not None else None}, y_val "
            f"{'set' if y_val is not None else None}, patience {patience!r}"
        )
    history = History(train_loss=[model.evaluate(X, y, loss)])
    if X_val is not None:
        X_val = _as_finite_2d("X_val", X_val, model.layer_sizes[0], model.dtype)
        y_val = _targets("y_val", y_val, len(X_val), model, loss)
        history.val_loss, history.best_epoch = [model.evaluate(X_val, y_val, loss)], 0
    best_params = model.get_params()
    rng = np.random.default_rng(seed)
    step = _optimizer(optimizer, learning_rate, model.arrays())
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            step(_flat(model.gradients(X[batch], y[batch], loss)))
        history.train_loss.append(model.evaluate(X, y, loss))
        if X_val is None:
            continue
        history.val_loss.append(model.evaluate(X_val, y_val, loss))
        if history.val_loss[-1] < history.val_loss[history.best_epoch]:
            history.best_epoch, best_params = epoch, model.get_params()
        elif patience is not None and epoch - history.best_epoch >= patience:
            break
    if patience is not None:
        model.set_params(best_params)
    return history

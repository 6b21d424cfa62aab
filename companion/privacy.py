"""Learning from patients' data while protecting them: the attack, DP-SGD, accounting, federated averaging.

- :func:`membership_inference_auc` measures the threat: can an attacker tell,
  from a model's loss on a record, whether that record was in its training data?
- :func:`train_dp_sgd` trains a Keras model with differentially private SGD
  (Abadi et al. 2016): per-example gradients, each clipped to an L2 norm bound,
  summed, plus Gaussian noise scaled to that bound.
- :func:`dp_epsilon` turns the noise multiplier, the sampling rate and the number
  of steps into the privacy budget epsilon with Google's ``dp-accounting``.
- :func:`federated_averaging` trains one model across several simulated
  hospitals that never share their records, only model weights (McMahan et al. 2017).

Importing this module imports Keras, and so TensorFlow; ``import companion``
does not.

Examples
--------
>>> round(dp_epsilon(noise_multiplier=1.1, sample_rate=256 / 60000, steps=14062, delta=1e-5), 2)
2.6
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from companion import quiet_logger
from companion.backend import keras, tf
from companion.validation import (
    finite_array,
    fraction,
    keras_model,
    non_negative_int,
    non_negative_number,
    one_of,
    positive_int,
    positive_number,
)


def _xy(X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """Features (n, d) and labels (n,) as float32, checked for shape and finiteness."""
    features = finite_array("X", X, "float32")
    labels = finite_array("y", y, "float32").reshape(-1)
    if features.ndim != 2 or len(features) == 0:
        raise ValueError(f"X must be a non-empty 2-D array (patients, features), got shape {features.shape}")
    if len(labels) != len(features):
        raise ValueError(f"y must have one label per row of X: {len(features)} rows, got {len(labels)} labels")
    return features, labels


# ---------------------------------------------------------------------------
# The threat: membership inference


def per_example_losses(model: keras.Model, X: object, y: object) -> np.ndarray:
    """Binary cross-entropy of each record under ``model`` (which outputs a probability).

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    >>> model.set_weights([np.zeros((1, 1)), np.zeros(1)])  # predicts 0.5 for everyone
    >>> per_example_losses(model, [[1.0], [2.0]], [0, 1]).round(4).tolist()  # log 2
    [0.6931, 0.6931]
    """
    keras_model("model", model)
    features, labels = _xy(X, y)
    probabilities = keras.ops.convert_to_numpy(model(features, training=False)).reshape(-1)
    losses = keras.losses.binary_crossentropy(labels[:, None], probabilities[:, None])
    return keras.ops.convert_to_numpy(losses).astype(float)


def membership_inference_auc(member_losses: object, nonmember_losses: object) -> float:
    """ROC AUC of the loss-threshold attack: a low loss is taken as evidence of membership.

    The attacker guesses "was in the training data" when the model fits a
    record unusually well (Yeom et al. 2018). The AUC over all thresholds is
    0.5 when members and non-members are indistinguishable, 1.0 when every
    member has a lower loss than every non-member.

    Examples
    --------
    >>> membership_inference_auc([0.1, 0.2], [0.5, 0.9])
    1.0
    >>> membership_inference_auc([0.3, 0.6], [0.3, 0.6])
    0.5
    """
    from sklearn.metrics import roc_auc_score

    members = finite_array("member_losses", member_losses, "float64").reshape(-1)
    others = finite_array("nonmember_losses", nonmember_losses, "float64").reshape(-1)
    for name, values in (("member_losses", members), ("nonmember_losses", others)):
        if values.size == 0:
            raise ValueError(f"{name} must be a non-empty array of finite losses, got no values")
    is_member = np.r_[np.ones(members.size), np.zeros(others.size)]
    return float(roc_auc_score(is_member, -np.r_[members, others]))


# ---------------------------------------------------------------------------
# DP-SGD


def clip_gradients(per_example: object, l2_norm_clip: float) -> tf.Tensor:
    """Scale each row (one example's flattened gradient) down to an L2 norm of at most ``l2_norm_clip``.

    Rows already inside the bound are left unchanged: ``g * min(1, C / ||g||)``.

    Examples
    --------
    >>> clip_gradients([[3.0, 4.0], [0.3, 0.4]], 1.0).numpy().astype(float).round(2).tolist()
    [[0.6, 0.8], [0.3, 0.4]]
    """
    l2_norm_clip = positive_number("l2_norm_clip", l2_norm_clip)
    if not isinstance(per_example, tf.Tensor):  # arrays from the user; tensors come from a DP-SGD step
        per_example = finite_array("per_example", per_example, "float32")
    grads = tf.convert_to_tensor(per_example, dtype=tf.float32)
    if grads.shape.rank != 2:
        raise ValueError(f"per_example must be 2-D (examples, parameters), got shape {tuple(grads.shape)}")
    norms = tf.norm(grads, axis=1, keepdims=True)
    return grads * tf.minimum(1.0, l2_norm_clip / tf.maximum(norms, 1e-12))


def per_example_gradients(model: keras.Model, x: object, y: object) -> tf.Tensor:
    """The gradient of each example's binary cross-entropy, flattened over all weights: (batch, parameters).

    One :func:`tf.vectorized_map` over the batch computes them all at once,
    instead of a Python loop of one gradient tape per example.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    >>> model.set_weights([np.zeros((2, 1)), np.zeros(1)])
    >>> per_example_gradients(model, [[1.0, 2.0]], [1.0]).numpy().tolist()  # (p - y) * (x, 1) with p = 0.5
    [[-0.5, -1.0, -0.5]]
    """
    keras_model("model", model)
    variables = model.trainable_variables

    def one(example):
        features, label = example
        with tf.GradientTape() as tape:
            loss = keras.losses.binary_crossentropy(label[None, None], model(features[None], training=True))
        return tf.concat([tf.reshape(g, [-1]) for g in tape.gradient(loss, variables)], axis=0)

    return tf.vectorized_map(one, (tf.convert_to_tensor(x, tf.float32), tf.convert_to_tensor(y, tf.float32)))


def noisy_mean(per_example: object, l2_norm_clip: float, noise_multiplier: float, seed: object) -> tf.Tensor:
    """The private gradient of DP-SGD: clip each row, sum, add N(0, (sigma C)^2) to each coordinate, divide by n.

    Examples
    --------
    >>> noisy_mean([[3.0, 4.0], [0.0, 0.0]], 1.0, 0.0, seed=[0, 0]).numpy().astype(float).round(2).tolist()  # no noise
    [0.3, 0.4]
    """
    clipped = clip_gradients(per_example, l2_norm_clip)
    noise = tf.random.stateless_normal(tf.shape(clipped)[1:], seed=seed, stddev=noise_multiplier * l2_norm_clip)
    return (tf.reduce_sum(clipped, axis=0) + noise) / tf.cast(tf.shape(clipped)[0], tf.float32)


def _dp_step(model: keras.Model, optimizer: keras.optimizers.Optimizer, l2_norm_clip: float,
             noise_multiplier: float) -> Callable:
    """A compiled DP-SGD step for ``model``: the noisy mean of clipped per-example gradients, then SGD."""
    variables = model.trainable_variables
    sizes = [int(np.prod(v.shape)) for v in variables]

    signature = [tf.TensorSpec([None, model.input_shape[-1]], tf.float32), tf.TensorSpec([None], tf.float32),
                 tf.TensorSpec([2], tf.int64)]

    @tf.function(input_signature=signature)  # one trace for every batch
    def step(x, y, seed):
        flat = noisy_mean(per_example_gradients(model, x, y), l2_norm_clip, noise_multiplier, seed)
        grads = [tf.reshape(part, v.shape) for part, v in zip(tf.split(flat, sizes), variables, strict=True)]
        optimizer.apply_gradients(zip(grads, variables, strict=True))

    return step


def train_dp_sgd(
    model: keras.Model,
    X: object,
    y: object,
    *,
    noise_multiplier: float,
    l2_norm_clip: float = 1.0,
    batch_size: int = 64,
    epochs: int = 30,
    learning_rate: float = 0.1,
    seed: int = 0,
) -> int:
    """Train ``model`` (one sigmoid output) in place with DP-SGD; return the number of steps taken.

    Each step takes a batch of ``batch_size`` records, computes every record's
    gradient of the binary cross-entropy separately (vectorised), clips each
    to L2 norm ``l2_norm_clip`` (C), sums them, adds Gaussian noise of
    standard deviation ``noise_multiplier * C`` to every coordinate and
    divides by the batch size; plain SGD then takes the step. Clipping bounds
    what one patient can change; the noise hides whether they were there.

    Batches are drawn by shuffling once per epoch, the usual practice. The
    privacy accountants assume Poisson sampling with rate ``batch_size / n``;
    :func:`dp_epsilon` with that rate is the customary estimate for shuffled
    batches, an optimistic one: the true epsilon of shuffling can be
    substantially larger (Chua et al., ICML 2024, arXiv:2403.17673).

    Parameters
    ----------
    model : keras.Model
        Built, with one sigmoid output; its weights are updated in place.
    X, y : array-like
        Features (n, d) and 0/1 labels (n,).
    noise_multiplier : float
        sigma, the noise standard deviation in units of C; 0 gives clipped SGD
        without privacy.
    l2_norm_clip : float, default 1.0
    batch_size, epochs : int
    learning_rate : float, default 0.1
    seed : int, default 0
        Seeds the shuffling and the noise: same seed, same model.

    Returns
    -------
    int
        Steps taken, ``epochs * (n // batch_size)`` (the last incomplete batch
        of each epoch is dropped), for :func:`dp_epsilon`.

    Examples
    --------
    >>> keras.utils.set_random_seed(0)
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    >>> X = np.random.default_rng(0).normal(size=(64, 2)); y = (X[:, 0] > 0).astype(int)
    >>> train_dp_sgd(model, X, y, noise_multiplier=1.0, batch_size=16, epochs=2)
    8
    """
    keras_model("model", model)
    features, labels = _xy(X, y)
    noise_multiplier = non_negative_number("noise_multiplier", noise_multiplier)
    l2_norm_clip = positive_number("l2_norm_clip", l2_norm_clip)
    batch_size = positive_int("batch_size", batch_size)
    epochs = positive_int("epochs", epochs)
    learning_rate = positive_number("learning_rate", learning_rate)
    rng = np.random.default_rng(non_negative_int("seed", seed))
    if batch_size > len(features):
        raise ValueError(f"batch_size must be at most the number of records ({len(features)}), got {batch_size}")
    if model.output_shape[-1] != 1:
        raise ValueError(f"model must have one sigmoid output, got output shape {model.output_shape}")
    step = _dp_step(model, keras.optimizers.SGD(learning_rate), l2_norm_clip, noise_multiplier)
    steps = 0
    with quiet_logger("tensorflow"):  # a new model traces its step once: expected, not worth a warning
        for _ in range(epochs):
            order = rng.permutation(len(features))
            for start in range(0, len(order) - batch_size + 1, batch_size):
                batch = order[start:start + batch_size]
                step(features[batch], labels[batch], tf.constant(rng.integers(0, 2**31, size=2), dtype=tf.int64))
                steps += 1
    return steps


def dp_epsilon(noise_multiplier: float, sample_rate: float, steps: int, delta: float = 1e-5,
               accountant: str = "rdp") -> float:
    """Privacy budget epsilon of DP-SGD, from Google's ``dp-accounting`` package.

    The mechanism is ``steps`` compositions of a Poisson-subsampled Gaussian
    mechanism (rate ``sample_rate``, noise ``noise_multiplier``). The result
    is an (epsilon, delta) guarantee: for any patient, the probability of any
    outcome of training changes by a factor of at most e^epsilon whether or not
    their record was used, except with probability delta.

    Parameters
    ----------
    noise_multiplier : float
        sigma > 0.
    sample_rate : float in (0, 1]
        ``batch_size / n``.
    steps : int
    delta : float in (0, 1), default 1e-5
        Conventionally below 1 / n.
    accountant : {"rdp", "pld"}
        Rényi DP (Mironov 2017) or privacy-loss distributions (tighter, slower).

    Examples
    --------
    >>> round(dp_epsilon(1.1, 256 / 60000, 14062, 1e-5, accountant="pld"), 1)  # the MNIST setting of TF Privacy
    2.4
    """
    import dp_accounting
    from dp_accounting import pld, rdp

    noise_multiplier = positive_number("noise_multiplier", noise_multiplier)
    sample_rate = fraction("sample_rate", sample_rate, "(0, 1]")
    steps = positive_int("steps", steps)
    delta = fraction("delta", delta, "(0, 1)")
    accountants = {"rdp": rdp.RdpAccountant, "pld": pld.PLDAccountant}
    accountant = one_of("accountant", accountant, sorted(accountants))
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(sample_rate, dp_accounting.GaussianDpEvent(noise_multiplier)), steps
    )
    # The RDP accountant logs a warning for each order whose series does not converge and leaves
    # that order out; the bound from the other orders stays valid, so the warning is noise on a page.
    with quiet_logger("absl"):
        ledger = accountants[accountant]()
        ledger.compose(event)
        return float(ledger.get_epsilon(delta))


# ---------------------------------------------------------------------------
# Federated averaging


def _sgd_epochs(model: keras.Model, learning_rate: float, batch_size: int) -> Callable:
    """A compiled function: ``epochs`` passes of plain minibatch SGD over (x, y) in the given order."""
    optimizer = keras.optimizers.SGD(learning_rate)
    variables = model.trainable_variables
    signature = [tf.TensorSpec([None, model.input_shape[-1]], tf.float32), tf.TensorSpec([None], tf.float32),
                 tf.TensorSpec([], tf.int32)]

    @tf.function(input_signature=signature)  # one trace for clients of any size
    def train(x, y, epochs):
        n = tf.shape(x)[0]
        for _ in tf.range(epochs):
            for start in tf.range(0, n, batch_size):
                xb, yb = x[start:start + batch_size], y[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(keras.losses.binary_crossentropy(yb[:, None], model(xb, training=True)))
                optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))

    return train


def federated_averaging(
    model: keras.Model,
    clients: Sequence[tuple[object, object]],
    *,
    rounds: int = 20,
    local_epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 0.1,
) -> list[np.ndarray]:
    """Federated averaging: train ``model`` in place across clients that share weights, never records.

    Each round, every client starts from the current global weights, runs
    ``local_epochs`` of minibatch SGD on its own records (in their stored
    order, so the result is deterministic), and sends back its weights; the
    server averages them, weighting each client by its number of records
    (McMahan et al. 2017).

    Parameters
    ----------
    model : keras.Model
        Built, one sigmoid output; it holds the global weights at the end.
    clients : sequence of (X, y)
        Each client's features (n_k, d) and 0/1 labels.
    rounds, local_epochs, batch_size : int
    learning_rate : float

    Returns
    -------
    list of numpy.ndarray
        The final global weights (also set in ``model``).

    Examples
    --------
    Two hospitals, 10 and 30 patients, two features each:

    >>> keras.utils.set_random_seed(0)
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    >>> weights = federated_averaging(model, [(X[:10], y[:10]), (X[10:], y[10:])], rounds=3)
    >>> [w.shape for w in weights]
    [(2, 1), (1,)]
    """
    keras_model("model", model)
    if isinstance(clients, (str, bytes)) or not isinstance(clients, Sequence) or len(clients) == 0:
        raise ValueError(f"clients must be a non-empty sequence of (X, y) pairs, got {type(clients).__name__}")
    data = []
    for k, client in enumerate(clients):
        if not isinstance(client, (tuple, list)) or len(client) != 2:
            raise ValueError(f"clients[{k}] must be an (X, y) pair, got {type(client).__name__}")
        data.append(_xy(*client))
    rounds = positive_int("rounds", rounds)
    local_epochs = positive_int("local_epochs", local_epochs)
    batch_size = positive_int("batch_size", batch_size)
    train = _sgd_epochs(model, positive_number("learning_rate", learning_rate), batch_size)
    shares = np.array([len(features) for features, _ in data], dtype=float) / sum(len(f) for f, _ in data)
    global_weights = model.get_weights()
    for _ in range(rounds):
        updates = []
        for features, labels in data:
            model.set_weights(global_weights)
            with quiet_logger("tensorflow"):  # a new model is traced once: expected, not worth a warning
                train(features, labels, tf.constant(local_epochs))
            updates.append(model.get_weights())
        global_weights = [sum(share * update[i] for share, update in zip(shares, updates, strict=True))
                          for i in range(len(global_weights))]
    model.set_weights(global_weights)
    return global_weights


def train_centrally(model: keras.Model, X: object, y: object, *, epochs: int, batch_size: int = 32,
                    learning_rate: float = 0.1) -> None:
    """Minibatch SGD on pooled data in stored order: the reference :func:`federated_averaging` is compared with.

    Examples
    --------
    >>> keras.utils.set_random_seed(0)
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    >>> train_centrally(model, np.ones((4, 2)), [1, 1, 1, 1], epochs=5)
    >>> bool(model(np.ones((1, 2))).numpy()[0, 0] > 0.5)
    True
    """
    keras_model("model", model)
    features, labels = _xy(X, y)
    train = _sgd_epochs(model, positive_number("learning_rate", learning_rate), positive_int("batch_size", batch_size))
    with quiet_logger("tensorflow"):  # a new model is traced once: expected, not worth a warning
        train(features, labels, tf.constant(positive_int("epochs", epochs)))

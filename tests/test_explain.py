"""Tests of companion.explain: Grad-CAM, the pointing game, the randomisation check, input attributions."""

import numpy as np
import pytest

from companion.attributions import completeness_gap, gradient_x_input, input_gradients, integrated_gradients
from companion.backend import keras
from companion.explain import grad_cam, last_conv_layer_name, peak_positions, pointing_game, randomisation_check
from companion.importance import permutation_importance_auc


def small_cnn(seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((16, 16, 1))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def spot_images(n=6, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.normal(0, 0.05, (n, 16, 16, 1)).astype("float32")
    centres = rng.integers(3, 13, (n, 2))
    for image, (r, c) in zip(images, centres, strict=True):
        image[r - 1 : r + 2, c - 1 : c + 2, 0] += 1.0
    return images, centres


def test_grad_cam_shape_and_range():
    images, _ = spot_images()
    maps = grad_cam(small_cnn(), images)
    assert maps.shape == (6, 16, 16)
    assert maps.min() >= 0
    assert maps.max() <= 1
    # One image without batch axis, and (n, H, W) without channel axis, are accepted too.
    assert grad_cam(small_cnn(), images[0]).shape == (1, 16, 16)
    assert grad_cam(small_cnn(), images[..., 0]).shape == (6, 16, 16)


def test_grad_cam_matches_a_hand_computation():
    # With one feature map feeding a linear output, Grad-CAM is ReLU(w * A) normalised: the map is A itself.
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    features = keras.layers.Conv2D(1, 1, use_bias=False, kernel_initializer="ones", name="conv")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    outputs = keras.layers.Dense(1, kernel_initializer="ones", activation="sigmoid")(pooled)
    model = keras.Model(inputs, outputs)
    image = np.zeros((1, 8, 8, 1), dtype="float32")
    image[0, 2, 5, 0], image[0, 6, 1, 0] = 2.0, 1.0
    maps = grad_cam(model, image)
    np.testing.assert_allclose(maps[0], image[0, :, :, 0] / 2.0, atol=1e-6)


def test_grad_cam_depends_on_the_model():
    images, _ = spot_images()
    a, b = grad_cam(small_cnn(0), images), grad_cam(small_cnn(1), images)
    assert not np.allclose(a, b)


def test_grad_cam_bad_inputs():
    model = small_cnn()
    with pytest.raises(ValueError, match="layer_name must be one of"):
        grad_cam(model, np.zeros((1, 16, 16, 1)), layer_name="nope")
    with pytest.raises(ValueError, match="4-D output"):
        grad_cam(model, np.zeros((1, 16, 16, 1)), layer_name=model.layers[-1].name)
    with pytest.raises(ValueError, match="input shape"):
        grad_cam(model, np.zeros((1, 8, 8, 1)))
    with pytest.raises(ValueError, match="finite"):
        grad_cam(model, np.full((1, 16, 16, 1), np.nan))
    with pytest.raises(TypeError, match="keras.Model"):
        grad_cam("model", np.zeros((1, 16, 16, 1)))
    with pytest.raises(ValueError, match="output_index"):
        grad_cam(model, np.zeros((1, 16, 16, 1)), output_index=3)


def test_last_conv_layer_name_needs_a_convolution():
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="no 2-D convolution"):
        last_conv_layer_name(dense)
    assert last_conv_layer_name(small_cnn()) == "conv"


def test_pointing_game_on_hand_made_maps():
    maps = np.zeros((4, 20, 20))
    maps[0, 5, 5] = 1  # exactly on the centre: hit
    maps[1, 10, 13] = 1  # 3 pixels from the centre, radius 2: hit only with margin >= 1
    maps[2, 0, 0] = 1  # far away: miss
    maps[3, 15, 15] = 1  # on a second blob: hit
    centres = [(5, 5), (10, 10), (15, 5), (15, 15)]
    radii = [2.0, 2.0, 2.0, 2.0]
    assert pointing_game(maps, centres, radii, margin=0) == 0.5
    assert pointing_game(maps, centres, radii, margin=1) == 0.75
    assert peak_positions(maps).tolist() == [[5, 5], [10, 13], [0, 0], [15, 15]]


@pytest.mark.parametrize(
    ("centres", "radii", "margin", "message"),
    [
        ([(1, 1)], [1.0, 1.0], 1, "centres must have shape"),
        ([(1, 1), (2, 2)], [1.0], 1, "radii must have shape"),
        ([(1, 1), (2, 2)], [1.0, -1.0], 1, "radii finite and positive"),
        ([(1, 1), (2, 2)], [1.0, 1.0], -1, "margin must be a non-negative"),
    ],
)
def test_pointing_game_bad_inputs(centres, radii, margin, message):
    with pytest.raises(ValueError, match=message):
        pointing_game(np.zeros((2, 5, 5)), centres, radii, margin=margin)


def test_randomisation_check_detects_a_model_independent_map():
    images, _ = spot_images(8)
    model = small_cnn()
    result = randomisation_check(model, images, seed=3)
    assert result.correlations.shape == (8,)
    assert -1 <= result.mean_correlation <= 1
    # Passing the model's own maps as "original" for the randomised model's seed gives a perfect match.
    keras.utils.set_random_seed(3)
    clone = keras.models.clone_model(model)
    same = randomisation_check(model, images, seed=3, maps=grad_cam(clone, images))
    assert same.mean_correlation == pytest.approx(1.0)
    assert not same.passed


def test_randomisation_check_bad_threshold():
    with pytest.raises(ValueError, match="threshold"):
        randomisation_check(small_cnn(), np.zeros((1, 16, 16, 1)), threshold=2)


# ---------------------------------------------------------------------------
# Input attributions: gradients, gradient x input, integrated gradients


def tabular_network(seed=0, activation="tanh"):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation=activation), keras.layers.Dense(1, activation="sigmoid")]
    )


def linear_model(weights, bias, activation=None):
    model = keras.Sequential([keras.Input((len(weights),)), keras.layers.Dense(1, activation=activation)])
    model.layers[0].set_weights([np.asarray(weights, dtype="float32")[:, None], np.array([bias], dtype="float32")])
    return model


def tabular_inputs(n=5, seed=1):
    return np.random.default_rng(seed).normal(size=(n, 4)).astype("float32")


def test_input_gradients_match_finite_differences():
    model, X = tabular_network(), tabular_inputs(3)
    gradients = input_gradients(model, X)

    def logit(inputs):
        p = model.predict(inputs.astype("float32"), verbose=0)[:, 0].astype(float)
        return np.log(p / (1 - p))

    eps = 1e-2
    numeric = np.empty_like(gradients)
    for j in range(X.shape[1]):
        step = np.zeros_like(X)
        step[:, j] = eps
        numeric[:, j] = (logit(X + step) - logit(X - step)) / (2 * eps)
    np.testing.assert_allclose(gradients, numeric, rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize("method", ["gausslegendre", "trapezoid"])
@pytest.mark.parametrize("use_logit", [True, False])
def test_integrated_gradients_are_complete_for_a_nonlinear_network(method, use_logit):
    model, X = tabular_network(activation="relu"), tabular_inputs(6)
    baseline = np.full(4, -0.5)
    ig = integrated_gradients(model, X, baseline, steps=256, method=method, use_logit=use_logit)
    gap = completeness_gap(model, X, ig, baseline, use_logit=use_logit)
    # Independent computation of F(x) - F(x'): the model's own predictions.
    p = model.predict(np.vstack([X, baseline[None]]), verbose=0)[:, 0].astype(float)
    score = np.log(p / (1 - p)) if use_logit else p
    change = score[:-1] - score[-1]
    np.testing.assert_allclose(ig.sum(axis=1), change, atol=2e-3 + 1e-2 * np.abs(change).max())
    np.testing.assert_allclose(gap, ig.sum(axis=1) - change, atol=1e-4)
    # Gradient x input of a nonlinear model is not complete: its gap is much larger.
    gxi_gap = completeness_gap(model, X, gradient_x_input(model, X, use_logit=use_logit), baseline, use_logit=use_logit)
    assert np.abs(gxi_gap).max() > 10 * np.abs(gap).max()


def test_integrated_gradients_of_a_linear_model_are_w_times_the_difference():
    w, b = np.array([0.7, -1.3, 2.0, 0.1]), 0.4
    X, baseline = tabular_inputs(5), np.array([0.5, -0.5, 1.0, 0.0])
    expected = w * (X - baseline)
    # A linear output (no activation) explained as it is, and a logistic model explained on its logit.
    for model, use_logit in [(linear_model(w, b), False), (linear_model(w, b, "sigmoid"), True)]:
        ig = integrated_gradients(model, X, baseline, steps=4, use_logit=use_logit)
        np.testing.assert_allclose(ig, expected, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(gradient_x_input(model, X, use_logit=use_logit), w * X, rtol=1e-5, atol=1e-5)
    # Explaining the probability instead: complete for p(x) - p(x'), no longer w * (x - x').
    model = linear_model(w, b, "sigmoid")
    ig_p = integrated_gradients(model, X, baseline, steps=64, use_logit=False)
    sigmoid = 1 / (1 + np.exp(-(np.vstack([X, baseline]) @ w + b)))
    np.testing.assert_allclose(ig_p.sum(axis=1), sigmoid[:-1] - sigmoid[-1], atol=1e-4)
    assert not np.allclose(ig_p, expected, atol=1e-2)


def test_integrated_gradients_on_images_are_complete():
    images, _ = spot_images(3)
    model = small_cnn()
    ig = integrated_gradients(model, images, steps=64)
    assert ig.shape == images.shape
    gap = completeness_gap(model, images, ig)
    p = model.predict(np.concatenate([images, np.zeros_like(images[:1])]), verbose=0)[:, 0].astype(float)
    logit = np.log(p / (1 - p))
    change = logit[:-1] - logit[-1]
    assert np.abs(gap).max() <= 1e-2 * np.abs(change).max() + 1e-3
    # Image batches given as (n, H, W) and one image without batch axis are accepted.
    np.testing.assert_allclose(integrated_gradients(model, images[..., 0], steps=64), ig, atol=1e-5)
    assert gradient_x_input(model, images[0]).shape == (1, 16, 16, 1)


def test_integrated_gradients_batching_does_not_change_the_result():
    model, X = tabular_network(), tabular_inputs(7)
    a = integrated_gradients(model, X, steps=16, batch_size=16)  # one sample per batch
    b = integrated_gradients(model, X, steps=16)
    np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"X": np.zeros((2, 3))}, ValueError, r"X must have shape \(n, 4\)"),
        ({"X": np.full((2, 4), np.nan)}, ValueError, "finite"),
        ({"baseline": np.zeros(3)}, ValueError, "baseline must be a number or have shape"),
        ({"steps": 1}, ValueError, "steps must be an integer of at least 2"),
        ({"method": "simpson"}, ValueError, "method must be one of"),
        ({"output_index": 1}, ValueError, r"output_index must be an integer from 0 to 0, got 1"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive integer"),
        ({"model": "model"}, TypeError, "keras.Model"),
    ],
)
def test_integrated_gradients_bad_inputs(kwargs, error, message):
    arguments = {"model": tabular_network(), "X": tabular_inputs(2), **kwargs}
    with pytest.raises(error, match=message):
        integrated_gradients(**arguments)


def test_use_logit_needs_a_probability():
    model = linear_model([1.0, 1.0], 5.0)  # outputs far outside [0, 1]
    with pytest.raises(ValueError, match="use_logit=True needs outputs that are probabilities"):
        gradient_x_input(model, np.ones((1, 2)))
    with pytest.raises(ValueError, match="attributions must have the shape of X"):
        completeness_gap(model, np.ones((1, 2)), np.ones(3), use_logit=False)


def test_randomisation_check_with_another_method():
    images, _ = spot_images(4)
    model = small_cnn()

    def positive_ig(network, inputs):
        return np.clip(integrated_gradients(network, inputs, steps=8).sum(axis=-1), 0, None)

    result = randomisation_check(model, images, explain=positive_ig, seed=3)
    assert result.correlations.shape == (4,)
    # A "method" that ignores the model (it returns the image) fails the check, as it should.
    same = randomisation_check(model, images, explain=lambda network, inputs: inputs[..., 0], seed=3)
    assert same.mean_correlation == pytest.approx(1.0)
    assert not same.passed
    with pytest.raises(TypeError, match="explain must be a callable"):
        randomisation_check(model, images, explain="grad_cam")


# ---------------------------------------------------------------------------
# Permutation importance


def one_informative_feature(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 2] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def test_permutation_importance_ranks_the_informative_feature_first():
    from sklearn.inspection import permutation_importance
    from sklearn.linear_model import LogisticRegression

    X, y = one_informative_feature()
    classifier = LogisticRegression().fit(X, y)
    table = permutation_importance_auc(classifier, X, y, ["a", "b", "c", "d"], n_repeats=10, seed=0)
    assert table.index[0] == "c"
    assert table.loc["c", "importance"] > 0.2
    assert (table.drop(index="c")["importance"].abs() < 0.02).all()
    # Same numbers as scikit-learn's own function with its built-in AUC scorer.
    reference = permutation_importance(classifier, X, y, scoring="roc_auc", n_repeats=10, random_state=0)
    np.testing.assert_allclose(table.loc[["a", "b", "c", "d"], "importance"], reference.importances_mean)


def test_permutation_importance_of_a_keras_model():
    X, y = one_informative_feature()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    model.fit(X, y, epochs=20, batch_size=64, verbose=0)
    table = permutation_importance_auc(model, X, y, n_repeats=5)
    assert table.index[0] == "x2"
    assert table.loc["x2", "importance"] > 10 * table.drop(index="x2")["importance"].abs().max()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": np.zeros(400)}, "both classes"),
        ({"y": np.array([0, 1, 0])}, "one label per row"),
        ({"feature_names": ["a"]}, "feature_names must be 4 strings"),
        ({"n_repeats": 0}, "n_repeats must be a positive integer"),
        ({"X": np.full((400, 4), np.nan)}, "finite"),
    ],
)
def test_permutation_importance_bad_inputs(kwargs, message):
    from sklearn.linear_model import LogisticRegression

    X, y = one_informative_feature()
    arguments = {"model": LogisticRegression().fit(X, y), "X": X, "y": y, **kwargs}
    with pytest.raises(ValueError, match=message):
        permutation_importance_auc(**arguments)

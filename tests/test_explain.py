"""Tests of companion.explain: Grad-CAM, the pointing game and the randomisation check."""

import keras
import numpy as np
import pytest

from companion.explain import grad_cam, last_conv_layer_name, peak_positions, pointing_game, randomisation_check


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

"""The book's explanatory diagrams: the right labels, and every drawn number computed correctly."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from rdkit import Chem  # noqa: E402
from rdkit.Chem.Scaffolds import MurckoScaffold  # noqa: E402
from scipy.signal import correlate2d  # noqa: E402

from companion import diagrams  # noqa: E402


@pytest.fixture
def draw():
    """Call a diagram function, check it returns a Figure, and close every figure afterwards."""
    figures = []

    def call(function, *args, **kwargs) -> Figure:
        fig = function(*args, **kwargs)
        assert isinstance(fig, Figure)
        figures.append(fig)
        return fig

    yield call
    for fig in figures:
        plt.close(fig)


def texts(fig: Figure) -> str:
    """All text of a figure: axes texts, titles, legends and figure texts, joined by newlines."""
    found = [text.get_text() for text in fig.texts]
    for ax in fig.axes:
        found += [text.get_text() for text in ax.texts] + [ax.get_title()]
        if ax.get_legend() is not None:
            found += [text.get_text() for text in ax.get_legend().get_texts()]
    return "\n".join(found)


@pytest.mark.parametrize(
    ("function", "labels"),
    [
        (diagrams.neuron, ["$x_1$", "$x_3$", "$w_2$", "bias $b$", r"$z = \mathbf{w}\cdot\mathbf{x} + b$", "$y = f(z)$",
                           r"f(\mathbf{w}\cdot\mathbf{x} + b)", "activation"]),
        (diagrams.computational_graph, ["$x$", "$z_1$", "$a_1$", r"$\hat y$", "$L$", "ReLU", "label $y$",
                                        r"\hat y - y", r"\partial L/\partial W_2", r"\partial L/\partial W_1",
                                        "forward pass", "backward pass", "chain rule"]),
        (diagrams.patient_split, ["training set", "validation set", "test set", "no patient in two sets",
                                  "fit the weights", "choose", "report once", "patient 9"]),
        (diagrams.convolution_and_pooling, ["image (6 × 6)", "kernel (3 × 3)", "feature map (4 × 4)", "max pool"]),
        (diagrams.dp_sgd_step, ["clip", "norm ≤ C", "N(0, σ²C²)", "average", "θ ← θ − η g̃"]),
        (diagrams.federated_averaging_round, ["server", "hospital 3", "records stay here", "weights, not data",
                                              "(n_k / n)", r"0.60 $\mathbf{w}_2$"]),
        (diagrams.murcko_scaffold, ["diphenhydramine", "Bemis–Murcko scaffold highlighted"]),
    ],
)
def test_labels_and_axis_off(draw, function, labels):
    fig = draw(function)
    found = texts(fig)
    for label in labels:
        assert label in found, f"{function.__name__}: {label!r} missing"
    assert all(not ax.axison for ax in fig.axes), "a diagram shows no axis"
    width, height = fig.get_size_inches()
    assert width == pytest.approx(6.4)
    assert 3 <= height <= 4
    sizes = [text.get_fontsize() for ax in fig.axes for text in [*ax.texts, ax.title] if text.get_text().strip()]
    assert min(sizes) >= 9


def grid(fig: Figure, name: str, shape: tuple[int, int]) -> np.ndarray:
    values = np.full(shape, np.nan)
    for text in fig.axes[0].texts:
        gid = text.get_gid() or ""
        if gid.startswith(name + "["):
            i, j = map(int, gid[len(name) + 1:-1].split(","))
            values[i, j] = float(text.get_text())
    assert not np.isnan(values).any(), f"{name}: a cell has no number"
    return values


@pytest.mark.parametrize("seed", [None, 0, 1])
def test_convolution_numbers_are_the_real_results(draw, seed):
    kwargs = {}
    if seed is not None:
        rng = np.random.default_rng(seed)
        kwargs = {"image": rng.integers(-5, 10, (6, 6)), "kernel": rng.integers(-2, 3, (3, 3)), "window": (2, 0)}
    fig = draw(diagrams.convolution_and_pooling, **kwargs)
    image, kernel = grid(fig, "image", (6, 6)), grid(fig, "kernel", (3, 3))
    if kwargs:
        assert np.array_equal(image, kwargs["image"])
        assert np.array_equal(kernel, kwargs["kernel"])
    expected = correlate2d(image, kernel, mode="valid")  # Keras' Conv2D: cross-correlation, no padding
    assert np.array_equal(grid(fig, "feature_map", (4, 4)), expected)
    pooled = np.array([[expected[r:r + 2, c:c + 2].max() for c in (0, 2)] for r in (0, 2)])
    assert np.array_equal(grid(fig, "pooled", (2, 2)), pooled)
    row, col = kwargs.get("window", (1, 2))
    assert f"= {expected[row, col]:g}" in texts(fig)


def test_dp_sgd_clipping_and_noise():
    for seed in range(20):
        v = diagrams.dp_sgd_vectors(n_examples=6, clip_norm=0.5, noise_multiplier=2.0, seed=seed)
        norms, raw = np.linalg.norm(v["clipped"], axis=1), np.linalg.norm(v["gradients"], axis=1)
        assert (norms <= 0.5 + 1e-9).all()
        assert np.allclose(norms, np.minimum(raw, 0.5))  # only the long ones shrink, direction kept:
        assert np.allclose(v["clipped"] * raw[:, None], v["gradients"] * norms[:, None])
        assert np.allclose(v["noisy_mean"], (v["clipped"].sum(axis=0) + v["noise"]) / 6)
    noise = np.array([diagrams.dp_sgd_vectors(clip_norm=0.5, noise_multiplier=2.0, seed=s)["noise"]
                      for s in range(4000)])
    assert noise.std() == pytest.approx(2.0 * 0.5, rel=0.05)  # sigma * C
    assert abs(noise.mean()) < 0.05


def test_dp_sgd_figure_draws_the_vectors(draw):
    fig = draw(diagrams.dp_sgd_step, seed=3)
    v = diagrams.dp_sgd_vectors(seed=3)
    arrows = {a.get_gid(): a for a in fig.axes[0].texts if a.get_gid()}
    origin = np.array(arrows["clipped-0"].xyann)
    scale = np.linalg.norm(np.array(arrows["gradient-0"].xy) - origin) / np.linalg.norm(v["gradients"][0])
    for i, clipped in enumerate(v["clipped"]):
        assert np.allclose(np.array(arrows[f"clipped-{i}"].xy) - origin, scale * clipped)
    assert diagrams.dp_sgd_vectors(seed=3)["noise"].tolist() == v["noise"].tolist()  # deterministic


def highlight_pixels(fig: Figure) -> int:
    image = fig.axes[0].get_images()[0].get_array()[..., :3]
    orange = np.array([0xE6, 0x9F, 0x00]) / 255
    return int((np.abs(image - orange).max(axis=-1) < 0.02).sum())


def test_scaffold_highlight(draw):
    mol = Chem.MolFromSmiles(diagrams.DIPHENHYDRAMINE)
    expected = mol.GetSubstructMatch(MurckoScaffold.GetScaffoldForMol(mol))
    assert diagrams.scaffold_atoms(mol) == expected
    assert len(expected) == 13
    fig = draw(diagrams.murcko_scaffold)
    assert highlight_pixels(fig) > 1000
    fig = draw(diagrams.murcko_scaffold, "CC(C)Cc1ccc(cc1)C(C)C(=O)O", name="ibuprofen")
    assert "ibuprofen: its Bemis–Murcko scaffold" in texts(fig)
    assert "6 of 15 heavy atoms" in texts(fig)


def test_acyclic_molecule_has_an_empty_scaffold(draw):
    assert diagrams.scaffold_atoms(Chem.MolFromSmiles("CCCCO")) == ()
    fig = draw(diagrams.murcko_scaffold, "CCCCO")
    assert "CCCCO: no ring system, so its Bemis–Murcko scaffold is empty" in texts(fig)
    assert highlight_pixels(fig) == 0


@pytest.mark.parametrize(
    ("function", "kwargs", "parameter"),
    [
        (diagrams.murcko_scaffold, {"smiles": "C1CC"}, "smiles 'C1CC'"),
        (diagrams.murcko_scaffold, {"smiles": ""}, "smiles"),
        (diagrams.murcko_scaffold, {"smiles": "CCO", "name": 3}, "name"),
        (diagrams.convolution_and_pooling, {"image": np.ones((5, 5))}, "image"),
        (diagrams.convolution_and_pooling, {"image": np.full((6, 6), np.nan)}, "image"),
        (diagrams.convolution_and_pooling, {"kernel": np.ones((2, 2))}, "kernel"),
        (diagrams.convolution_and_pooling, {"window": (4, 0)}, "window"),
        (diagrams.convolution_and_pooling, {"window": "ab"}, "window"),
        (diagrams.dp_sgd_step, {"clip_norm": 0}, "clip_norm"),
        (diagrams.dp_sgd_step, {"noise_multiplier": float("nan")}, "noise_multiplier"),
        (diagrams.dp_sgd_step, {"n_examples": 0}, "n_examples"),
        (diagrams.dp_sgd_step, {"seed": -1}, "seed"),
        (diagrams.federated_averaging_round, {"patients": (10,)}, "patients"),
        (diagrams.federated_averaging_round, {"patients": (10, 0, 5)}, "patients"),
        (diagrams.federated_averaging_round, {"patients": "abc"}, "patients"),
        (diagrams.patient_split, {"records": (1, 2)}, "records"),
        (diagrams.patient_split, {"records": (1, 2, 3, 4, 2.5)}, "records"),
        (diagrams.patient_split, {"records": (1, 2, 3, 4, 9)}, "records"),
    ],
)
def test_bad_inputs_name_the_parameter(function, kwargs, parameter):
    figures = set(plt.get_fignums())
    with pytest.raises(ValueError, match=f"^{parameter}"):
        function(**kwargs)
    assert set(plt.get_fignums()) == figures  # no half-drawn figure left open

"""Explanatory diagrams of the book: one function per diagram, each returning a matplotlib Figure.

Every diagram is drawn from numbers computed here (the convolution, the
DP-SGD vectors, the federated weights, the RDKit scaffold), deterministically
and without data or network. The functions do not show the figure: a chapter
cell calls one and ``plt.show()`` displays it. Colours are the book's
colour-blind-safe :data:`companion.OKABE_ITO`; sizes follow
:func:`companion.set_plot_style` (6.4 inches wide, 100 dpi, text of 9 pt or more).

Examples
--------
>>> import matplotlib.pyplot as plt
>>> fig = neuron()
>>> fig.get_size_inches().tolist()
[6.4, 3.4]
>>> plt.close(fig)
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from companion import OKABE_ITO
from companion.validation import finite_array, non_negative_int, positive_int, positive_number

BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK = OKABE_ITO
GREY = "#999999"
#: Diphenhydramine, in the approved drugs of ``companion.data``: two rings joined by a linker, and a side chain.
DIPHENHYDRAMINE = "CN(C)CCOC(c1ccccc1)c1ccccc1"


def _canvas(width: float, height: float, xlim: tuple[float, float], ylim: tuple[float, float]) -> tuple[Figure, Axes]:
    """A figure with one axes filling it, axis off, equal scales in data units."""
    fig = plt.figure(figsize=(width, height), dpi=100, layout="none")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.axis("off")
    return fig, ax


def _box(ax: Axes, x: float, y: float, text: str, color: str, size: float = 11, **options: object) -> None:
    """``text`` centred at (x, y) in a rounded box with a light fill of ``color``."""
    ax.text(x, y, text, ha="center", va="center", fontsize=size, zorder=3,
            bbox={"boxstyle": "round,pad=0.35", "facecolor": color + "22", "edgecolor": color, "linewidth": 1.5},
            **options)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = BLACK,
           shrink: float = 14, rad: float = 0.0, width: float = 1.5, gid: str | None = None) -> None:
    """An arrow from ``start`` to ``end`` (points; ``shrink`` keeps it off the boxes)."""
    arrow = ax.annotate("", xy=end, xytext=start, zorder=2,
                        arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": width, "shrinkA": shrink,
                                    "shrinkB": shrink, "mutation_scale": 14, "connectionstyle": f"arc3,rad={rad}"})
    arrow.set_gid(gid)


class _fit:
    """Maps 2-D vectors into a 4.2-unit square centred at (``x``, 3.6), keeping ``points`` inside."""

    def __init__(self, points: np.ndarray, x: float) -> None:
        low, high = points.min(axis=0), points.max(axis=0)
        self.scale = 4.2 / max(float((high - low).max()), 1e-12)
        self.shift = np.array([x, 3.6]) - self.scale * (low + high) / 2

    def __call__(self, vector: np.ndarray) -> tuple[float, float]:
        return tuple(self.shift + self.scale * np.asarray(vector))


def neuron() -> Figure:
    """One artificial neuron: inputs, weights, bias, weighted sum, activation, output.

    Returns
    -------
    matplotlib.figure.Figure
        The diagram of :math:`y = f(\\mathbf{w} \\cdot \\mathbf{x} + b)` with three inputs.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = neuron()
    >>> "$w_1$" in [text.get_text() for text in fig.axes[0].texts]
    True
    >>> plt.close(fig)
    """
    fig, ax = _canvas(6.4, 3.4, (0, 10), (0, 5.3))
    inputs = [(1.0, 4.1), (1.0, 2.7), (1.0, 1.3)]
    total = (4.7, 2.7)
    for i, (x, y) in enumerate(inputs, start=1):
        ax.add_patch(Circle((x, y), 0.42, facecolor=SKY + "33", edgecolor=BLUE, linewidth=1.5))
        ax.text(x, y, f"$x_{i}$", ha="center", va="center", fontsize=12)
        _arrow(ax, (x + 0.42, y), (total[0] - 0.95, total[1] + (y - total[1]) * 0.25), BLUE, shrink=2)
        ax.text((x + total[0]) / 2 - 0.2, (y + total[1]) / 2 + 0.15 + (y - total[1]) * 0.1, f"$w_{i}$",
                ha="center", va="bottom", fontsize=12, color=BLUE)
    ax.text(0.2, 0.45, "inputs: the features\nof one patient", fontsize=9, va="center")
    ax.add_patch(Circle(total, 0.95, facecolor=ORANGE + "22", edgecolor=ORANGE, linewidth=2))
    ax.text(total[0], total[1] + 0.25, r"$\Sigma$", ha="center", va="center", fontsize=18)
    ax.text(total[0], total[1] - 0.35, r"$z = \mathbf{w}\cdot\mathbf{x} + b$", ha="center", va="center", fontsize=9)
    _box(ax, total[0], 4.9, "bias $b$", ORANGE, size=10)
    _arrow(ax, (total[0], 4.6), (total[0], total[1] + 0.95), ORANGE, shrink=2)
    _box(ax, 7.1, total[1], "$f$", GREEN, size=14)
    _arrow(ax, (total[0] + 0.95, total[1]), (6.75, total[1]), BLACK, shrink=2)
    _box(ax, 8.9, total[1], "$y = f(z)$", PURPLE, size=12)
    _arrow(ax, (7.45, total[1]), (8.15, total[1]), BLACK, shrink=2)
    ax.text(7.1, 2.0, "activation\n(sigmoid, ReLU, ...)", ha="center", va="top", fontsize=9)
    ax.text(8.9, 2.0, "output", ha="center", va="top", fontsize=9)
    ax.text(total[0], 1.45, "weighted sum", ha="center", va="top", fontsize=9)
    ax.text(9.9, 0.45, r"$y = f(w_1 x_1 + w_2 x_2 + w_3 x_3 + b) = f(\mathbf{w}\cdot\mathbf{x} + b)$",
            ha="right", va="center", fontsize=11)
    return fig


def computational_graph() -> Figure:
    """The 2-2-1 network of the training chapter as a computational graph, forward and backward.

    Forward arrows (blue) compute the loss from the input; backward arrows
    (vermillion) carry the gradients from the loss back to every parameter by
    the chain rule, as backpropagation does.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = computational_graph()
    >>> any("\\\\hat y - y" in text.get_text() for text in fig.axes[0].texts)
    True
    >>> plt.close(fig)
    """
    fig, ax = _canvas(6.4, 3.15, (0, 12.8), (1.7, 8.0))
    row = 4.9
    nodes = {"x": 0.5, "z1": 2.6, "a1": 5.0, "z2": 7.2, "yhat": 9.4, "L": 11.9}
    labels = {"x": "$x$", "z1": "$z_1$", "a1": "$a_1$", "z2": "$z_2$", "yhat": r"$\hat y$", "L": "$L$"}
    for key, x in nodes.items():
        _box(ax, x, row, labels[key], PURPLE if key == "L" else BLUE, size=13)
    steps = [("x", "z1", r"$\cdot W_1 + b_1$"), ("z1", "a1", "ReLU"), ("a1", "z2", r"$\cdot W_2 + b_2$"),
             ("z2", "yhat", r"$\sigma$"), ("yhat", "L", "BCE")]
    for start, end, text in steps:
        _arrow(ax, (nodes[start], row), (nodes[end], row), BLUE, shrink=13)
        ax.text((nodes[start] + nodes[end]) / 2, row + 0.3, text, ha="center", va="bottom", fontsize=10, color=BLUE)
    pattern = r"$\partial L/\partial W_{0} = {1}^\top \delta_{0}$" "\n" r"$\partial L/\partial b_{0} = \delta_{0}$"
    gradients = [pattern.format(*layer) for layer in [("1", "x"), ("2", "a_1")]]
    parameters = [("z1", "$W_1, b_1$", gradients[0]), ("z2", "$W_2, b_2$", gradients[1]), ("L", "label $y$", "")]
    for key, name, gradient in parameters:
        x = nodes[key]
        _box(ax, x, 7.3, name, GREY, size=10)
        _arrow(ax, (x - 0.25 * bool(gradient), 7.3), (x - 0.25 * bool(gradient), row), GREY, shrink=12)
        if gradient:
            _arrow(ax, (x + 0.25, row), (x + 0.25, 7.3), VERMILLION, shrink=12)
            ax.text(x + 0.55, 6.15, gradient, ha="left", va="center", fontsize=9.5, color=VERMILLION, linespacing=1.6)
    back = [("L", "z2", r"$\delta_2 = \partial L/\partial z_2 = \hat y - y$", 9.65),
            ("z2", "a1", r"$\partial L/\partial a_1 = \delta_2 W_2^\top$", 6.3),
            ("a1", "z1", r"$\delta_1 = \partial L/\partial a_1 \odot \mathrm{ReLU}'(z_1)$", 3.2)]
    for start, end, text, x_text in back:
        _arrow(ax, (nodes[start], row - 0.4), (nodes[end], row - 0.4), VERMILLION, shrink=8, rad=-0.4)
        ax.text(x_text, 3.3, text, ha="center", va="center", fontsize=9.5,
                color=VERMILLION)
    ax.plot([], [], color=BLUE, label="forward pass: compute the loss")
    ax.plot([], [], color=VERMILLION, label="backward pass: gradients by the chain rule")
    ax.legend(loc="lower center", fontsize=9, frameon=False, ncols=2, handlelength=1.2, columnspacing=1.0)
    return fig


def patient_split(records: Sequence[int] = (3, 2, 4, 3, 2, 3, 4, 2, 3)) -> Figure:
    """Training, validation and test sets made of whole patients, each with several records.

    Parameters
    ----------
    records : sequence of int, default (3, 2, 4, 3, 2, 3, 4, 2, 3)
        The number of records (scans, visits) of each patient; 5 to 12 patients.
        About 55 % of them go to training, the rest are shared between validation and test.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = patient_split()
    >>> "no patient in two sets" in " ".join(text.get_text() for text in fig.axes[0].texts)
    True
    >>> plt.close(fig)
    """
    if isinstance(records, (str, bytes)) or not isinstance(records, Sequence) or not 5 <= len(records) <= 12:
        raise ValueError(f"records must be a sequence of 5 to 12 record counts, got {records!r}")
    counts = [positive_int("records", count) for count in records]
    if max(counts) > 6:
        raise ValueError(f"records must each be at most 6 (the drawing's width), got {records!r}")
    n_train = round(0.55 * len(counts))
    n_val = (len(counts) - n_train) // 2
    sets = [("training", "fit the weights", BLUE, range(0, n_train)),
            ("validation", "choose: epochs, threshold, model", ORANGE, range(n_train, n_train + n_val)),
            ("test", "report once, at the end", GREEN, range(n_train + n_val, len(counts)))]
    rows = max(len(patients) for *_, patients in sets)
    fig, ax = _canvas(6.4, 1.3 + 0.36 * rows, (0, 16), (-1.3, 0.9 * rows + 2.0))
    for column, (name, use, color, patients) in enumerate(sets):
        left = 0.2 + 5.3 * column
        ax.add_patch(FancyBboxPatch((left, -0.1), 5.0, 0.9 * rows + 0.4, boxstyle="round,pad=0.1",
                                    facecolor=color + "18", edgecolor=color, linewidth=1.5))
        ax.text(left + 2.5, 0.9 * rows + 1.1, f"{name} set", ha="center", va="center", fontsize=11,
                fontweight="bold", color=color)
        ax.text(left + 2.5, -0.6, use, ha="center", va="center", fontsize=9)
        for line, patient in enumerate(patients):
            y = 0.9 * (rows - line) - 0.4
            ax.text(left + 0.25, y, f"patient {patient + 1}", va="center", fontsize=9)
            for record in range(counts[patient]):
                ax.add_patch(Rectangle((left + 2.15 + 0.45 * record, y - 0.17), 0.34, 0.34, facecolor=color,
                                       edgecolor="white"))
    ax.text(8.0, 0.9 * rows + 1.75, "every record of a patient goes to the same set: no patient in two sets",
            ha="center", va="center", fontsize=10)
    ax.text(8.0, -1.15, "each square is one record (a scan, a visit) of the patient on its row",
            ha="center", va="center", fontsize=9, color="#555555")
    return fig


def _valid_correlation(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """What Keras' Conv2D computes (cross-correlation, no padding, stride 1), one output at a time."""
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def convolution_and_pooling(image: object = None, kernel: object = None, window: tuple[int, int] = (1, 2)) -> Figure:
    """A 3 x 3 kernel slid over a small image, then 2 x 2 max pooling, with every number computed.

    Parameters
    ----------
    image : 6 x 6 array-like, optional
        The image; by default a bright vertical bar on a dark background. Integers read best.
    kernel : 3 x 3 array-like, optional
        The kernel; by default a vertical-edge detector (left column -1, right column +1).
    window : (int, int), default (1, 2)
        The position (row, column) in the 4 x 4 feature map whose window and arithmetic are highlighted.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = convolution_and_pooling()
    >>> [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "pooled[0,0]"]
    ['25']
    >>> plt.close(fig)
    """
    image = np.array([[0, 1, 9, 8, 1, 0], [1, 2, 8, 9, 0, 1], [0, 1, 9, 9, 2, 0], [2, 0, 8, 8, 1, 1],
                      [1, 1, 7, 9, 0, 0], [0, 2, 9, 8, 1, 2]]) if image is None else image
    kernel = np.array([[-1, 0, 1]] * 3) if kernel is None else kernel
    image = finite_array("image", image)
    kernel = finite_array("kernel", kernel)
    if image.shape != (6, 6):
        raise ValueError(f"image must be a 6 x 6 array, got shape {image.shape}")
    if kernel.shape != (3, 3):
        raise ValueError(f"kernel must be a 3 x 3 array, got shape {kernel.shape}")
    if (not isinstance(window, Sequence) or len(window) != 2
            or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) and 0 <= i < 4 for i in window)):
        raise ValueError(f"window must be a (row, column) pair of integers from 0 to 3, got {window!r}")
    features = _valid_correlation(image, kernel)
    pooled = features.reshape(2, 2, 2, 2).max(axis=(1, 3))
    fig, ax = _canvas(6.4, 3.3, (-0.3, 19.6), (-2.9, 7.4))
    grids = [("image", image, 0.0, 6 * 6, "image (6 × 6)"), ("kernel", kernel, 7.2, 3 * 3, "kernel (3 × 3)"),
             ("feature_map", features, 11.6, 4 * 4, "feature map (4 × 4)"), ("pooled", pooled, 17.4, 4, "max pool")]
    row, col = window
    for name, values, left, _, title in grids:
        n_rows, n_cols = values.shape
        top = 6.0 if name != "pooled" else 4.0
        for (i, j), value in np.ndenumerate(values):
            pool_color = [BLUE, ORANGE, GREEN, PURPLE][2 * (i // 2) + j // 2] if name == "feature_map" else None
            pool_color = [BLUE, ORANGE, GREEN, PURPLE][2 * i + j] if name == "pooled" else pool_color
            face = (pool_color or "#ffffff") + ("33" if pool_color else "")
            highlight = (name == "image" and row <= i < row + 3 and col <= j < col + 3) or (
                name == "feature_map" and (i, j) == (row, col)) or name == "kernel"
            ax.add_patch(Rectangle((left + j, top - i - 1), 1, 1, facecolor=YELLOW + "66" if highlight else face,
                                   edgecolor=GREY, linewidth=0.8))
            ax.text(left + j + 0.5, top - i - 0.5, f"{value:g}", ha="center", va="center", fontsize=9,
                    gid=f"{name}[{i},{j}]")
        if name == "image":
            ax.add_patch(Rectangle((left + col, top - row - 3), 3, 3, fill=False, edgecolor=VERMILLION, linewidth=2.5))
        if name == "feature_map":
            ax.add_patch(Rectangle((left + col, top - row - 1), 1, 1, fill=False, edgecolor=VERMILLION, linewidth=2.5))
        ax.text(left + n_cols / 2, top + 0.35, title, ha="center", va="bottom", fontsize=9)
    ax.text(6.6, 3.0, "⋆", ha="center", va="center", fontsize=22)
    ax.text(10.9, 3.0, "=", ha="center", va="center", fontsize=14)
    _arrow(ax, (15.7, 3.0), (17.3, 3.0), BLACK, shrink=0)
    ax.text(16.5, 3.2, "2 × 2", ha="center", va="bottom", fontsize=9)
    ax.text(18.4, 1.6, "each colour:\nthe largest\nof its 2 × 2", ha="center", va="top", fontsize=9)
    products = " + ".join(f"{a:g}·{b:g}" if b >= 0 else f"{a:g}·({b:g})"
                          for a, b in zip(image[row:row + 3, col:col + 3].ravel(), kernel.ravel(), strict=True))
    half = products.index(" + ", len(products) // 2)
    ax.text(0.0, -0.7, f"row {row + 1}, column {col + 1} of the feature map: the red window times the kernel, "
            "cell by cell, summed:", ha="left", va="center", fontsize=9, color=VERMILLION)
    ax.text(0.0, -1.6, products[:half] + " +", ha="left", va="center", fontsize=9)
    ax.text(0.0, -2.5, products[half + 3:] + f" = {features[row, col]:g}", ha="left", va="center", fontsize=9)
    return fig


def dp_sgd_vectors(n_examples: int = 5, clip_norm: float = 1.0, noise_multiplier: float = 1.0,
                   seed: int = 0) -> dict[str, np.ndarray]:
    """The vectors of one DP-SGD step in two dimensions, as :func:`dp_sgd_step` draws them.

    Returns a dict: ``gradients`` (n, 2) per-example gradients, some longer and
    some shorter than ``clip_norm``; ``clipped`` (n, 2), each scaled by
    ``min(1, C / norm)``; ``total`` their sum; ``noise`` one draw of
    N(0, sigma² C² I); ``noisy_mean`` = (total + noise) / n.

    Examples
    --------
    >>> v = dp_sgd_vectors(seed=0)
    >>> bool((np.linalg.norm(v["clipped"], axis=1) <= 1.0 + 1e-9).all())
    True
    """
    n = positive_int("n_examples", n_examples)
    clip = positive_number("clip_norm", clip_norm)
    sigma = positive_number("noise_multiplier", noise_multiplier)
    rng = np.random.default_rng(non_negative_int("seed", seed))
    angles = rng.uniform(-0.5, 1.9, size=n)  # mostly one way, as the gradients of one batch tend to be
    lengths = clip * rng.uniform(0.4, 2.4, size=n)
    gradients = lengths[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])
    norms = np.linalg.norm(gradients, axis=1)
    clipped = gradients * np.minimum(1.0, clip / norms)[:, None]
    total = clipped.sum(axis=0)
    noise = rng.normal(0.0, sigma * clip, size=2)
    return {"gradients": gradients, "clipped": clipped, "total": total, "noise": noise,
            "noisy_mean": (total + noise) / n}


def dp_sgd_step(n_examples: int = 5, clip_norm: float = 1.0, noise_multiplier: float = 1.0, seed: int = 5) -> Figure:
    """One step of DP-SGD in two dimensions: clip each gradient, sum, add noise, average, step.

    Parameters
    ----------
    n_examples : int, default 5
        The batch size, one gradient arrow per example.
    clip_norm : float, default 1.0
        The clipping bound C, drawn as a circle.
    noise_multiplier : float, default 1.0
        sigma: the noise added to the sum has standard deviation sigma * C per coordinate.
    seed : int, default 5
        Seed of the gradients and of the noise (see :func:`dp_sgd_vectors`); 5 draws a clearly visible noise.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = dp_sgd_step()
    >>> fig.axes[0].texts[-3].get_text().splitlines()
    ['1. clip each gradient', 'to norm ≤ C']
    >>> plt.close(fig)
    """
    v = dp_sgd_vectors(n_examples, clip_norm, noise_multiplier, seed)
    clip, n = float(clip_norm), len(v["clipped"])
    fig, ax = _canvas(6.4, 3.3, (0, 15), (-0.2, 7.53))
    noisy = v["total"] + v["noise"]
    chain = np.vstack([np.zeros(2), np.cumsum(v["clipped"], axis=0)])
    square = np.array([[-clip, -clip], [clip, clip]])
    place = [_fit(np.vstack([v["gradients"], square]), 2.5), _fit(np.vstack([chain, noisy]), 7.5),
             _fit(np.vstack([noisy / n, -noisy / n]), 12.5)]
    (x0, y0), scale = place[0](np.zeros(2)), place[0].scale
    ax.add_patch(Circle((x0, y0), clip * scale, fill=False, edgecolor=GREY, linestyle="--", linewidth=1.2))
    ax.text(x0 + 0.72 * clip * scale, y0 - 0.72 * clip * scale, "C", fontsize=10, color="#555555", va="top")
    for i, (raw, short) in enumerate(zip(v["gradients"], v["clipped"], strict=True)):
        _arrow(ax, (x0, y0), place[0](raw), SKY, shrink=0, width=1.0, gid=f"gradient-{i}")
        _arrow(ax, (x0, y0), place[0](short), BLUE, shrink=0, width=2.2, gid=f"clipped-{i}")
    ax.text(2.5, 0.75, "light: $\\mathbf{g}_i$ as computed\ndark: clipped $\\bar{\\mathbf{g}}_i$",
            ha="center", va="center", fontsize=9)
    for start, end in zip(chain[:-1], chain[1:], strict=True):  # head to tail: the sum
        _arrow(ax, place[1](start), place[1](end), BLUE, shrink=0, width=1.2)
    _arrow(ax, place[1](np.zeros(2)), place[1](v["total"]), BLACK, shrink=0, width=2.0, gid="sum")
    _arrow(ax, place[1](v["total"]), place[1](noisy), VERMILLION, shrink=0, width=2.0, gid="noise")
    ax.plot(*np.transpose([place[1](np.zeros(2)), place[1](noisy)]), color=VERMILLION, linestyle=":", linewidth=1.2)
    ax.text(7.5, 0.75, "blue: the clipped $\\bar{\\mathbf{g}}_i$\nblack: their sum, red: noise", ha="center",
            va="center", fontsize=9)
    _arrow(ax, place[2](np.zeros(2)), place[2](noisy / n), VERMILLION, shrink=0, width=2.5, gid="noisy_mean")
    _arrow(ax, place[2](np.zeros(2)), place[2](-noisy / n), GREEN, shrink=0, width=2.5, gid="update")
    g_tilde = r"$\tilde{\mathbf{g}}$"
    ax.text(12.5, 0.75, f"red: {g_tilde} = (sum + noise) / {n}\ngreen: the step $-\\eta\\,${g_tilde}",
            ha="center", va="center", fontsize=9)
    for point in [(x0, y0), place[1](np.zeros(2)), place[2](np.zeros(2))]:
        ax.plot(*point, "o", color=BLACK, markersize=3)
    titles = ["1. clip each gradient\nto norm ≤ C", f"2. sum, add noise\nN(0, σ²C²), σ = {noise_multiplier:g}",
              "3. average, step\nθ ← θ − η g̃"]
    for x, title in zip([2.5, 7.5, 12.5], titles, strict=True):
        ax.text(x, 7.0, title, ha="center", va="center", fontsize=10)
    return fig


def federated_averaging_round(patients: Sequence[int] = (120, 300, 80)) -> Figure:
    """One round of federated averaging between a server and hospitals that keep their records.

    Parameters
    ----------
    patients : sequence of int, default (120, 300, 80)
        The number of patients n_k of each hospital (2 to 4 hospitals); the
        server weights hospital k's model by n_k / n.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = federated_averaging_round((1, 3))
    >>> any("0.25" in text.get_text() for text in fig.axes[0].texts)
    True
    >>> plt.close(fig)
    """
    if isinstance(patients, (str, bytes)) or not isinstance(patients, Sequence) or not 2 <= len(patients) <= 4:
        raise ValueError(f"patients must be a sequence of 2 to 4 patient counts, got {patients!r}")
    counts = [positive_int("patients", count) for count in patients]
    total = sum(counts)
    shares = [count / total for count in counts]
    fig, ax = _canvas(6.4, 3.9, (0, 16), (0, 9.75))
    formula = " + ".join(f"{share:.2f} $\\mathbf{{w}}_{k}$" for k, share in enumerate(shares, start=1))
    rule = r"$\mathbf{w} \leftarrow \sum_k (n_k / n)\, \mathbf{w}_k$"
    _box(ax, 8, 8.6, "server: global model $\\mathbf{w}$\n" + rule + " = " + formula,
         BLACK, size=10, linespacing=1.5)
    width = 16 / len(counts)
    for k, (count, share) in enumerate(zip(counts, shares, strict=True), start=1):
        x = width * (k - 0.5)
        local = f"local training:\n$\\mathbf{{w}}_{k}$ ← SGD from $\\mathbf{{w}}$"
        _box(ax, x, 2.6, f"hospital {k}\n$n_{k}$ = {count} patients\n{local}",
             GREEN, size=9.5, linespacing=1.3)
        ax.text(x, 1.05, "records stay here", ha="center", va="center", fontsize=9, color=GREEN, style="italic")
        down, up = (8 + (x - 8) * 0.3 - 0.35, 7.6), (x - 0.35, 4.3)
        _arrow(ax, down, up, BLUE, shrink=2)
        _arrow(ax, (x + 0.35, 4.3), (8 + (x - 8) * 0.3 + 0.35, 7.6), ORANGE, shrink=2)
        ax.text(x + (0.55 if x >= 8 else -0.55), 5.3, f"$\\mathbf{{w}}_{k}$\n× {share:.2f}",
                ha="left" if x >= 8 else "right", va="center", fontsize=9.5, color=ORANGE)
    ax.text(0.2, 6.6, "sent down:\nglobal weights $\\mathbf{w}$", fontsize=9, color=BLUE, va="center")
    ax.text(15.5, 6.6, "sent back:\nweights, not data", fontsize=9, color=ORANGE, va="center", ha="right")
    ax.text(8, 0.0, f"n = {total} patients in all; one round, repeated until the model converges",
            ha="center", va="bottom", fontsize=9)
    return fig


def scaffold_atoms(mol: object) -> tuple[int, ...]:
    """Indices of the atoms of ``mol`` that form its Bemis-Murcko scaffold (empty without rings).

    Examples
    --------
    >>> from companion.chem import to_mol
    >>> scaffold_atoms(to_mol("Cc1ccccc1"))  # toluene: the benzene ring, not the methyl
    (1, 2, 3, 4, 5, 6)
    """
    from rdkit.Chem.Scaffolds import MurckoScaffold

    scaffold = MurckoScaffold.GetScaffoldForMol(mol)
    return tuple(mol.GetSubstructMatch(scaffold)) if scaffold.GetNumAtoms() else ()


def murcko_scaffold(smiles: str = DIPHENHYDRAMINE, name: str | None = None) -> Figure:
    """A molecule drawn by RDKit with its Bemis-Murcko scaffold highlighted.

    Parameters
    ----------
    smiles : str, default diphenhydramine
        The molecule. A molecule without rings has an empty scaffold: it is
        drawn without highlight, and the title says so.
    name : str, optional
        Its name for the title; by default "diphenhydramine" for the default
        molecule and the SMILES otherwise.

    Raises
    ------
    ValueError
        If ``smiles`` is not a valid SMILES (the message names it).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = murcko_scaffold("CCO", name="ethanol")
    >>> "no ring system" in fig.axes[0].get_title()
    True
    >>> plt.close(fig)
    """
    from rdkit.Chem.Draw import rdMolDraw2D

    from companion.chem import to_mol

    mol = to_mol(smiles)
    if name is not None and not isinstance(name, str):
        raise ValueError(f"name must be a string or None, got {name!r}")
    name = name or ("diphenhydramine" if smiles == DIPHENHYDRAMINE else smiles)
    atoms = scaffold_atoms(mol)
    bonds = [bond.GetIdx() for bond in mol.GetBonds() if {bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()} <= set(atoms)]
    colour = tuple(int(ORANGE[i:i + 2], 16) / 255 for i in (1, 3, 5))
    drawer = rdMolDraw2D.MolDraw2DCairo(600, 330)
    drawer.drawOptions().fixedFontSize = 20
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol, highlightAtoms=list(atoms), highlightBonds=bonds,
                                       highlightAtomColors=dict.fromkeys(atoms, colour),
                                       highlightBondColors=dict.fromkeys(bonds, colour))
    drawer.FinishDrawing()
    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=100, layout="constrained")
    ax.imshow(plt.imread(io.BytesIO(drawer.GetDrawingText()), format="png"))
    ax.axis("off")
    if atoms:
        title = (f"{name}: its Bemis–Murcko scaffold highlighted\n"
                 f"(rings and the atoms linking them, {len(atoms)} of {mol.GetNumAtoms()} heavy atoms)")
    else:
        title = f"{name}: no ring system, so its Bemis–Murcko scaffold is empty"
    ax.set_title(title, fontsize=10)
    return fig

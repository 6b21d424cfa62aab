"""companion.setup(): seeds, quiet TensorFlow, plot style; a light import."""

import os
import random
import subprocess
import sys

import numpy as np
import pytest

import companion


def draws():
    """One draw from each random source a chapter uses."""
    import keras

    return (
        random.random(),
        np.random.rand(3),  # noqa: NPY002 - the global generator that setup() seeds
        keras.random.uniform((3,), seed=None).numpy(),
        keras.initializers.GlorotUniform()((2, 2)).numpy(),
    )


def test_same_seed_gives_the_same_numbers_in_python_numpy_and_keras():
    companion.setup(seed=7, verbose=False)
    first = draws()
    companion.setup(seed=7, verbose=False)
    second = draws()
    assert first[0] == second[0]
    for a, b in zip(first[1:], second[1:], strict=True):
        np.testing.assert_array_equal(a, b)


def test_different_seeds_give_different_numbers():
    companion.setup(seed=1, verbose=False)
    first = draws()
    companion.setup(seed=2, verbose=False)
    second = draws()
    assert first[0] != second[0]
    for a, b in zip(first[1:], second[1:], strict=True):
        assert not np.array_equal(a, b)


# Importing these must not start TensorFlow: it takes seconds and prints to stderr, and the chapters
# without a network (and every chapter's first cell, import companion) must not pay for it.
NUMPY_ONLY_MODULES = [
    "companion.notebook",
    "companion.validation",
    "companion.threads",
    "companion.data",
    "companion.neuron",
    "companion.training",
    "companion.evaluation",
    "companion.exercises.feedback",
    "companion.book_toc",
    "companion.intervals",
    "companion.importance",
    "companion.ct",
    "companion.phantom",
    "companion.chem",
    "companion.data.medmnist",
]
# What each import leaves out: `import companion` itself does not even import NumPy or matplotlib.
HEAVY = {"companion": ["tensorflow", "keras", "matplotlib", "numpy"]}


@pytest.mark.parametrize("module", ["companion", *NUMPY_ONLY_MODULES])
def test_import_is_light(module):
    heavy = HEAVY.get(module, ["tensorflow", "keras"])
    code = f"import sys, {module}; print(*[name for name in {heavy!r} if name in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == [], f"import {module} imports {result.stdout.split()}"


def test_tensorflow_is_silent_after_setup_with_onednn_on():
    # Run in a fresh interpreter: the quieting must happen before TensorFlow is imported. oneDNN's
    # operations stay on (they halve the CNN chapters' training time), and its notice is not shown.
    code = (
        "import companion; companion.setup(verbose=False); import tensorflow as tf; tf.constant(1.0) + 1\n"
        "from tensorflow.python.util import _pywrap_util_port; print(_pywrap_util_port.IsMklEnabled())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("TF_")},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == "True\n"


def test_only_the_known_start_up_notices_are_dropped(capfd):
    from companion.backend import start_up_notices_dropped

    with start_up_notices_dropped():
        os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on. You may see ...\n")
        os.write(2, b"UserWarning: something a reader should see\n")
    assert capfd.readouterr().err == "UserWarning: something a reader should see\n"


def test_setup_prints_the_versions(capsys):
    assert companion.setup(seed=0, keras=False) is None  # nothing echoed twice in a notebook
    printed = capsys.readouterr().out
    found = companion.versions()
    for name in ["python", "numpy", "keras", "tensorflow", "companion"]:
        assert name in found
        assert f"{name} {found[name]}" in printed
    assert found["companion"] == companion.__version__


def test_plot_style_is_the_colour_blind_safe_palette():
    import matplotlib as mpl

    companion.setup(keras=False, verbose=False)
    colours = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
    assert colours == companion.OKABE_ITO


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, None])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        companion.setup(seed=seed, keras=False, verbose=False)


def test_companion_seed_replaces_the_seed_and_says_so(monkeypatch, capsys):
    companion.setup(seed=3, keras=False, verbose=False)
    expected = random.random()
    monkeypatch.setenv("COMPANION_SEED", "3")
    companion.setup(seed=0, keras=False, verbose=False)
    assert random.random() == expected
    assert "seed 3, from COMPANION_SEED" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_bad_companion_seed_is_refused(monkeypatch, value):
    monkeypatch.setenv("COMPANION_SEED", value)
    with pytest.raises(ValueError, match="COMPANION_SEED must be a non-negative integer"):
        companion.setup(keras=False, verbose=False)


def test_the_package_holds_its_version_and_reexports_only_the_notebook_helpers():
    """companion/__init__.py is the one module that forwards names, and only from companion.notebook."""
    import ast
    from pathlib import Path

    from companion import notebook

    tree = ast.parse(Path(companion.__file__).read_text(encoding="utf-8"))
    sources = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert sources == {"__future__", "companion.notebook"}
    for name in companion.__all__:
        if name != "__version__":
            assert getattr(companion, name) is getattr(notebook, name), name


FREED_BUFFERS_PROBE = """
import sys
import numpy as np
import psutil
import companion.notebook as notebook
if sys.argv[1] == "set":
    assert notebook.return_freed_buffers()
np.ones(16 << 20, np.uint8).sum()  # a freed 16 MiB block raises glibc's own threshold to 16 MiB
blocks = [np.ones(4 << 20, np.uint8) for _ in range(30)]  # 120 MiB in blocks of 4 MiB
before = psutil.Process().memory_info().rss
del blocks[:-1]  # the last block stays, as a live tensor above freed ones does
print((before - psutil.Process().memory_info().rss) >> 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_freed_buffers_go_back_to_the_system():
    """With setup()'s allocator setting, freed blocks of a few MiB leave the resident set; without it they stay."""
    returned = {
        mode: int(subprocess.run([sys.executable, "-c", FREED_BUFFERS_PROBE, mode], capture_output=True, text=True,
                                 check=True).stdout)
        for mode in ("default", "set")
    }
    assert returned["set"] >= 100, returned  # 29 blocks of 4 MiB given back
    assert returned["default"] <= 20, returned  # the heap keeps them: what the setting is for

"""The companion's wheel, installed the way a reader installs it, far from this checkout.

Runs only with ``CHECK_WHEEL=1``, after ``.ci/wheelhouse`` has built the wheel into ``dist/``
and downloaded what it needs into a folder of wheels; then it needs no network:

    .ci/wheelhouse
    CHECK_WHEEL=1 .venv/bin/python -m pytest tests/test_wheel_install.py

- ``COMPANION_WHEEL``: the wheel to check (default: the one ``dl_medicine_companion-*.whl`` in ``dist/``);
- ``WHEELHOUSE``: the folder of wheels (default ``~/.cache/dl-medicine/wheelhouse``).

Every pip here installs from that folder only: the machine's pip configuration (extra indexes,
find-links, constraints) is ignored, so the install resolves as it would for a reader.
"""

from __future__ import annotations

import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from reader_install import companion_wheel, isolated_env, new_venv, run, wheelhouse

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.stage("CHECK_WHEEL")










def test_wheel_contents() -> None:
    names = zipfile.ZipFile(companion_wheel()).namelist()
    shipped = {f"companion/data/{path.name}" for path in (ROOT / "companion" / "data").glob("*.csv")}
    assert shipped, "no CSV files in companion/data/ of the checkout"
    assert shipped <= set(names), f"missing from the wheel: {sorted(shipped - set(names))}"
    assert "companion/data/manifest.json" in names
    assert "companion/__main__.py" in names
    strays = [name for name in names if name.split("/")[0] in {"tests", "book", "benchmarks", "scripts", "_build"}]
    assert not strays, f"the wheel carries files that are not the package: {strays[:10]}"
    assert not [name for name in names if name.endswith(".ipynb")]


@pytest.fixture(scope="module")
def installed(tmp_path_factory, tally) -> dict:
    """A new virtual environment outside the checkout with ``<wheel>[tensorflow,lab]`` installed."""
    wheel, wheels = companion_wheel(), wheelhouse()
    base = tmp_path_factory.mktemp("wheel-install")
    assert not base.resolve().is_relative_to(ROOT)
    venv, workdir = base / "venv", base / "work"
    workdir.mkdir()
    env = isolated_env(venv, wheels)

    start = time.perf_counter()
    python = str(new_venv(venv, env))
    tally["seconds: clean install: new venv"] += round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    run([python, "-m", "pip", "install", "--quiet", f"{wheel}[tensorflow,lab]"], env=env, cwd=workdir)
    tally["seconds: clean install: pip install wheel[tensorflow,lab]"] += round(time.perf_counter() - start, 1)
    return {"venv": venv, "workdir": workdir, "env": env, "python": python}


def test_installed_from_the_wheel(installed) -> None:
    """``import companion`` finds the installed package, not this checkout."""
    probe = "import companion, sysconfig; print(companion.__file__); print(sysconfig.get_paths()['purelib'])"
    result = run([installed["python"], "-c", probe], env=installed["env"], cwd=installed["workdir"])
    module, site_packages = (Path(line) for line in result.stdout.split())
    assert module.is_relative_to(site_packages), f"companion imported from {module}"
    assert site_packages.is_relative_to(installed["venv"])
    assert not module.resolve().is_relative_to(ROOT)


def test_dependencies_consistent(installed) -> None:
    run([installed["python"], "-m", "pip", "check"], env=installed["env"], cwd=installed["workdir"])


def test_shipped_data_load(installed) -> None:
    result = run(
        [installed["python"], "-c", "from companion import data; print(len(data.load_pima()))"],
        env=installed["env"],
        cwd=installed["workdir"],
    )
    assert result.stdout.split()[-1] == "768"


def test_doctor_passes(installed, tally) -> None:
    start = time.perf_counter()
    result = subprocess.run(
        [installed["python"], "-m", "companion", "doctor"],
        env=installed["env"],
        cwd=installed["workdir"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    tally["seconds: clean install: python -m companion doctor"] += round(time.perf_counter() - start, 1)
    report = result.stdout + result.stderr
    assert "[FAIL]" not in report, report
    assert result.returncode == 0, report
    assert "[ ok ] tensorflow import" in report
    assert "[ ok ] jupyter kernel" in report

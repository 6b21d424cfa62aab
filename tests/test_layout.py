"""The package's layout rules (CONTRIBUTING.md, "Where code goes"): small modules, no forwarding modules."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "companion"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 500
# The package's front door re-exports the notebook helpers, and ``python -m companion`` only starts the CLI.
FORWARDERS_ALLOWED = {PACKAGE / "__init__.py", PACKAGE / "__main__.py"}


def name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def only_forwards(tree: ast.Module) -> bool:
    """True if the module's body is nothing but a docstring, imports and ``__all__``."""

    def forwarding(node: ast.stmt) -> bool:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return True
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return True  # the docstring
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        return isinstance(node, (ast.Assign, ast.AnnAssign)) and all(
            isinstance(target, ast.Name) and target.id == "__all__" for target in targets
        )

    imports = any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body)
    return imports and all(forwarding(node) for node in tree.body)


def test_the_package_has_modules():
    assert len(MODULES) > 10, f"found only {[name(path) for path in MODULES]} under {PACKAGE}"


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_no_module_is_over_500_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name(path)} has {lines} lines: split it by idea (CONTRIBUTING.md, Where code goes)"


@pytest.mark.parametrize("path", [path for path in MODULES if path not in FORWARDERS_ALLOWED], ids=name)
def test_no_module_only_forwards_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not only_forwards(tree), f"{name(path)} only re-exports names: import them from their home instead"


def test_forwarding_check_recognises_a_forwarding_module():
    forwarding = ast.parse('"""Old home."""\nfrom companion.clinical import build_diagnosis_mlp\n__all__ = ["x"]\n')
    working = ast.parse("from companion.backend import keras\n\ndef f():\n    return keras\n")
    assert only_forwards(forwarding)
    assert not only_forwards(working)


def documented_modules() -> str:
    """The module map of CONTRIBUTING.md ("Where code goes"): the table's first column."""
    text = (PACKAGE.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `companion/")]
    assert rows, "CONTRIBUTING.md has no module map"
    return "\n".join(row.split(" | ")[0] for row in rows)


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_every_module_is_in_the_module_map(path):
    table = documented_modules()
    relative = path.relative_to(PACKAGE)
    folder = f"`companion/{relative.parent}/" if relative.parent != Path(".") else None
    listed = (
        f"`companion/{relative.as_posix()}`" in table
        or f"`{relative.name}`" in table  # a short name in a row that starts with its folder's module
        or (folder is not None and (f"{folder}`" in table or f"{folder}<chapter>.py`" in table))
    )
    assert listed, f"{name(path)} is not in CONTRIBUTING.md's module map: say what it holds and who uses it"

"""Every public function and class of the engine has a one-line docstring summary."""

import ast
from pathlib import Path

import pytest

import scheduling

MODULES = sorted(Path(scheduling.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_public_functions_have_docstrings(path):
    tree = ast.parse(path.read_text())
    missing = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            docstring = ast.get_docstring(node)
            if not docstring or not docstring.splitlines()[0].strip():
                missing.append(node.name)
    assert missing == []

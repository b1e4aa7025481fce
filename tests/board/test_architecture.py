"""The layout rules of docs/architecture.md, checked on the source: packages form layers."""

import ast
from pathlib import Path

import pytest

BOARD = Path(__file__).resolve().parents[2] / "board"
# Function-level imports allowed, each with a comment saying why (see docs/architecture.md).
MAX_FUNCTION_LEVEL_IMPORTS = 5


def node_of(module: str) -> str:
    """The package (or top-level module) of `board.x.y`: the unit that must not form cycles."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "board"


def is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in {
        "TYPE_CHECKING",
        "typing.TYPE_CHECKING",
    }


def runtime_imports(tree: ast.Module):
    """Every import statement that runs (those under `if TYPE_CHECKING:` only help the reader)."""
    skipped = {
        id(inner)
        for block in ast.walk(tree)
        if is_type_checking_block(block)
        for inner in ast.walk(block)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped:
            yield node


def imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.module == "board":
        return [f"board.{alias.name}" for alias in node.names]
    return [node.module or ""]


def source_files():
    for path in sorted(BOARD.rglob("*.py")):
        module = ".".join(("board", *path.relative_to(BOARD).with_suffix("").parts))
        yield module.removesuffix(".__init__"), ast.parse(path.read_text(), str(path))


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, tree in source_files():
        source = node_of(module)
        for node in runtime_imports(tree):
            for target in imported_modules(node):
                if target.startswith("board.") and node_of(target) != source:
                    graph.setdefault(source, set()).add(node_of(target))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_board_packages():
    graph = package_graph()
    assert "cases" in graph and "agendas" in graph  # the walk saw the real tree
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def function_level_imports() -> list[tuple[str, int, str]]:
    found = []
    for module, tree in source_files():
        lines = (BOARD.parent / (module.replace(".", "/"))).with_suffix(".py")
        if not lines.exists():
            lines = BOARD.parent / module.replace(".", "/") / "__init__.py"
        text = lines.read_text().splitlines()
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.append((module, node.lineno, text[node.lineno - 1]))
    return found


def test_function_level_imports_are_few_and_explained():
    found = function_level_imports()
    assert len(found) <= MAX_FUNCTION_LEVEL_IMPORTS, found
    unexplained = [(module, line) for module, line, text in found if "#" not in text]
    assert unexplained == []


@pytest.mark.parametrize("domain", ["cases", "boards", "specialists", "sessions", "agendas"])
def test_each_domain_keeps_its_pages_with_its_models(domain):
    package = BOARD / domain
    assert (package / "models.py").exists() and (package / "services.py").exists()
    assert (package / "views.py").exists() or (package / "api.py").exists()

"""The shape rules of docs/architecture.md, checked on the source: one state machine, no import cycle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(path: Path) -> set[str]:
    """Every chalicelib module imported at run time, including inside functions (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("chalicelib")}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if node.level == 0 and not (node.module or "").startswith("chalicelib"):
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if (ROOT / (candidate.replace(".", "/") + ".py")).exists() else target)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {i for i in imports_of(path) if i in modules and i != name} for name, path in modules.items()}


def test_no_import_cycle_in_chalicelib():
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not cycles, f"import cycles: {cycles}"


def test_no_status_is_written_outside_the_state_machine():
    """A request's status is written by ``RequestStore.apply_change`` only, called by ``status_writes`` only."""
    sources = {p: p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}
    callers = [str(p.relative_to(ROOT)) for p, text in sources.items() if ".apply_change(" in text]
    assert callers == ["chalicelib/services/status_writes.py"]
    raw_writers = [
        str(p.relative_to(ROOT))
        for p, text in sources.items()
        if "RequestRecord.status.set(" in text or ("requests.table." in text and "stores" not in p.parts)
    ]
    assert raw_writers == []


def test_services_reach_storage_only_through_named_store_operations():
    """No service, page or route imports pynamodb or the storage models, or calls a table primitive."""
    offenders = []
    for path in [
        *PACKAGE.glob("services/*.py"),
        *PACKAGE.glob("web/*.py"),
        *PACKAGE.glob("domain/*.py"),
        ROOT / "app.py",
    ]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            if any(n.startswith(("pynamodb", "boto3", "..storage", "chalicelib.storage", ".storage")) for n in names):
                offenders.append(f"{path.relative_to(ROOT)} imports {names}")
        if ".table." in path.read_text(encoding="utf-8"):
            offenders.append(f"{path.relative_to(ROOT)} calls a table primitive")
    assert offenders == []


def test_pynamodb_lives_in_the_storage_package_only():
    users = sorted(
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if "storage" not in p.parts and re.search(r"^\s*(from|import) pynamodb", p.read_text(encoding="utf-8"), re.M)
    )
    assert users == []


def test_no_module_shadows_a_library_name():
    assert not list(PACKAGE.rglob("requests.py"))

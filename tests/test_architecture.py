"""Imports flow one way: every module of qa/ imports only modules of its own floor or below, and nothing loops."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qa"

# The floors of docs/architecture.md, lowest first; a module may import its own floor and the floors below.
FLOORS = [
    {"qa.types", "qa.errors", "qa.jsonfile", "qa.progress", "qa.language", "qa.lexical", "qa.facts"},
    {"qa.corpus", "qa.documents", "qa.formats", "qa.formats.extracted", "qa.formats.sniff",
     "qa.formats.cache", "qa.formats.pdf", "qa.formats.ocr", "qa.formats.html", "qa.formats.docx", "qa.formats.page",
     "qa.formats.odt", "qa.formats.epub"},
    {"qa.chunking"},
    {"qa.embedding", "qa.onnx", "qa.e5", "qa.e5_convert", "qa.e5_onnx", "qa.reader", "qa.models", "qa.index", "qa.index.vectors", "qa.index.manifest",
     "qa.index.store", "qa.index.lock", "qa.index.diff", "qa.index.update", "qa.index.backends", "qa.index.faiss_store",
     "qa.index.milvus_store", "qa.index.lexicon", "qa.index.ray_embed"},
    {"qa.retrieval"},
    {"qa.question", "qa.scoring", "qa.span", "qa.answer", "qa.followup"},
    {"qa.pipeline", "qa.saved_settings", "qa.reply"},
    {"qa.evaluation", "qa.evaluation.matching", "qa.evaluation.testset", "qa.evaluation.scoring",
     "qa.evaluation.metrics", "qa.evaluation.run", "qa.evaluation.gates", "qa.evaluation.calibration", "qa.evaluation.near_topic",
     "qa.evaluation.report"},
    {"qa.cli", "qa.ui", "qa.ui.app", "qa.ui.render"},
]
FLOOR = {module: n for n, modules in enumerate(FLOORS) for module in modules}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The qa modules a file imports (at any depth: lazy imports inside functions count)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            found |= {f"{target}.{a.name}" for a in node.names} if node.module is None else {target}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qa"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("qa")}
    return {m for m in found if m in FLOOR and m != name}


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_has_a_floor_and_says_what_it_is_for():
    assert set(MODULES) - {"qa"} == set(FLOOR), "add the new module to FLOORS here and in docs/architecture.md"
    for name, path in MODULES.items():
        assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{name} has no first-line docstring"


@pytest.mark.parametrize("name", sorted(set(MODULES) - {"qa"}))
def test_imports_go_down_or_sideways(name):
    above = {m for m in imports(MODULES[name]) if FLOOR[m] > FLOOR[name]}
    assert not above, f"{name} (floor {FLOOR[name]}) imports {sorted(above)} from a floor above"


def test_no_import_loops():
    graph = {name: imports(path) for name, path in MODULES.items() if name != "qa"}
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                raise AssertionError("import loop: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])

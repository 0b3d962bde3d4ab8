"""The import contract of ARCHITECTURE.md, checked by reading every runtime module's imports."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ("shared_models", "backoffice", "metering_worker", "kiosk_app", "mobile_web")
SERVER = ("shared_models", "backoffice", "metering_worker")
# The one way the back office wakes the worker after a commit.
SANCTIONED = "metering_worker.transport"


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name of the importing file
    line: int
    target: str  # dotted name of the module imported (a submodule when `from pkg import mod`)

    def top(self) -> str:
        return self.target.split(".")[0]

    def within(self, package: str) -> bool:
        return self.target == package or self.target.startswith(package + ".")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_in(source: str, path: Path) -> list[Import]:
    """Every import in the source, those inside functions and `if TYPE_CHECKING:` included."""
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            found += [Import(importer, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                target = submodule if is_module(submodule) else base
                found.append(Import(importer, node.lineno, target))
    return found


def imports_of(path: Path) -> list[Import]:
    return imports_in(path.read_text(encoding="utf-8"), path)


def runtime_imports() -> list[Import]:
    found = []
    for package in RUNTIME:
        for path in sorted((ROOT / package).rglob("*.py")):
            found += imports_of(path)
    return found


IMPORTS = runtime_imports()


def where(imp: Import) -> str:
    return f"{imp.importer} line {imp.line} imports {imp.target}"


def breaches(rule: str, importers: tuple[str, ...], forbidden) -> list[str]:
    return [f"{where(imp)}: {rule}" for imp in IMPORTS
            if imp.importer.split(".")[0] in importers and forbidden(imp)]


def assert_none(found: list[str]) -> None:
    if found:
        pytest.fail("\n".join(found), pytrace=False)


def test_every_runtime_package_was_read():
    importers = {imp.importer.split(".")[0] for imp in IMPORTS}
    assert {"shared_models", "backoffice", "metering_worker"} <= importers


def test_shared_models_imports_no_web_queue_device_or_edge_package():
    forbidden = {"flask", "flask_smorest", "flask_babel", "redis", "rq", "pymodbus",
                 "backoffice", "metering_worker"}
    assert_none(breaches("shared_models imports no flask, redis, rq, pymodbus, backoffice or "
                    "metering_worker", ("shared_models",),
                    lambda imp: imp.top() in forbidden))


def test_metering_worker_imports_no_backoffice():
    assert_none(breaches("metering_worker imports no backoffice", ("metering_worker",),
                    lambda imp: imp.top() == "backoffice"))


def test_backoffice_reaches_the_worker_only_through_its_entry_point():
    assert_none(breaches(f"backoffice reaches the worker only through {SANCTIONED}", ("backoffice",),
                    lambda imp: imp.top() == "metering_worker"
                    and not imp.within(SANCTIONED)))


def test_clients_import_no_server_package():
    assert_none(breaches("kiosk_app and mobile_web import no server package",
                    ("kiosk_app", "mobile_web"), lambda imp: imp.top() in SERVER))


def test_runtime_packages_import_neither_tests_nor_ops():
    assert_none(breaches("runtime packages import neither tests nor ops", RUNTIME,
                    lambda imp: imp.top() in ("tests", "ops")))


def test_production_worker_code_does_not_import_the_simulator():
    assert_none(breaches("only the simulator itself imports metering_worker.simulator",
                    RUNTIME, lambda imp: imp.within("metering_worker.simulator")
                    and not imp.importer.startswith("metering_worker.simulator")))


def subpackage(dotted: str) -> str:
    """The unit cycles are checked between: `pkg.sub` for anything under `pkg.sub`."""
    return ".".join(dotted.split(".")[:2])


def import_graph() -> dict[str, dict[str, Import]]:
    """subpackage -> subpackage it imports -> the first import that makes the edge."""
    graph: dict[str, dict[str, Import]] = {}
    for imp in IMPORTS:
        source, target = subpackage(imp.importer), subpackage(imp.target)
        if source != target and imp.top() in RUNTIME and "." in source and "." in target:
            graph.setdefault(source, {}).setdefault(target, imp)
    return graph


def shortest_cycle(graph: dict[str, dict[str, Import]], start: str) -> list[str] | None:
    """The shortest path from start back to itself, as the list of nodes it visits."""
    paths, seen = [[start]], {start}
    while paths:
        extended = []
        for path in paths:
            for nxt in sorted(graph.get(path[-1], {})):
                if nxt == start:
                    return path
                if nxt not in seen:
                    seen.add(nxt)
                    extended.append(path + [nxt])
        paths = extended
    return None


def cycles(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """One shortest cycle through each subpackage that lies on one, each cycle named once."""
    found: dict[frozenset[str], list[str]] = {}
    for start in sorted(graph):
        cycle = shortest_cycle(graph, start)
        if cycle:
            found.setdefault(frozenset(cycle), cycle)
    return list(found.values())


def describe(cycle: list[str], graph) -> str:
    edges = [graph[a][b] for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]
    return ("import cycle " + " -> ".join(cycle + cycle[:1]) + ": "
            + "; ".join(where(imp) for imp in edges))


def test_no_import_cycle_between_subpackages():
    graph = import_graph()
    assert_none([describe(cycle, graph) for cycle in cycles(graph)])


@pytest.mark.parametrize("source, breached", [
    ("from metering_worker.outbox import runner\n", True),
    ("from metering_worker.transport import announce\n", False),
    ("from metering_worker import transport\n", False),
    ("from metering_worker import config\n", True),
    ("def wake():\n    import metering_worker.jobs.queues\n", True),
    ("from ..resources import commands\n", False),
])
def test_the_backoffice_rule_sees_module_and_function_level_imports(source, breached):
    probe = ROOT / "backoffice" / "auth" / "probe.py"
    found = [imp for imp in imports_in(source, probe)
             if imp.top() == "metering_worker" and not imp.within(SANCTIONED)]
    assert bool(found) is breached


def test_a_cycle_is_found_and_named_with_its_imports():
    a_to_b = Import("pkg.a.x", 3, "pkg.b.y")
    b_to_a = Import("pkg.b.y", 7, "pkg.a")
    graph = {"pkg.a": {"pkg.b": a_to_b}, "pkg.b": {"pkg.a": b_to_a}}
    assert [describe(cycle, graph) for cycle in cycles(graph)] == [
        "import cycle pkg.a -> pkg.b -> pkg.a: pkg.a.x line 3 imports pkg.b.y; "
        "pkg.b.y line 7 imports pkg.a"]

"""No import cycles among the project's modules (every package, common/ and benchmarks/).

The graph is read from the source with ``ast``: every ``import`` and ``from ... import`` anywhere in a
module (also inside functions), relative ones resolved against the module's package. ``from pkg import
name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``. As in pylint's cyclic-import
check, importing ``a.b.c`` is an edge to ``a.b.c`` only, not to the packages above it (a submodule that
imports a sibling through its package path is not a cycle with the package's ``__init__``).
"""
import ast
import os


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP_LEVEL = ("common", "jtf_sisr", "gdsr", "darsr", "fasrgan", "dgpnet", "benchmarks")


def project_modules():
    """Dotted module name -> file, for every .py file under the top-level packages."""
    modules = {}
    for top in TOP_LEVEL:
        for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for f in sorted(files):
                if f.endswith(".py"):
                    rel = os.path.relpath(os.path.join(folder, f), ROOT)[:-3].split(os.sep)
                    if rel[-1] == "__init__":
                        rel = rel[:-1]
                    modules[".".join(rel)] = os.path.join(folder, f)
    return modules


def imports_of(name, path, modules):
    """Project modules imported anywhere in ``path`` (module ``name``)."""
    is_package = path.endswith("__init__.py")
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            for i in range(len(parts), 0, -1):       # the module itself, or the package holding the name
                prefix = ".".join(parts[:i])
                if prefix in modules:
                    if prefix != name:
                        found.add(prefix)
                    break
    return found


def find_cycles(graph):
    """Each strongly connected component with more than one module (Tarjan), as a sorted tuple."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(tuple(sorted(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def import_graph():
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_the_walker_sees_relative_absolute_and_nested_imports():
    graph = import_graph()
    assert "common.io" in graph["common.evaluate"]             # absolute, module level
    assert "darsr.learner" in graph["darsr.api"]               # inside a function
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


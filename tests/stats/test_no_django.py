"""cohorts/stats/ is pure Python: importing it never loads Django (STYLE.md, rule 5)."""
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cohorts" / "stats"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_importing_every_module_of_the_package_loads_no_django():
    names = [_module_name(p) for p in MODULES]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(loaded))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "", f"django loaded by cohorts.stats: {run.stdout}"
    assert len(names) >= 6


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_source_of_the_package_imports_django():
    offenders = {}
    dynamic = re.compile(r"""(import_module|__import__)\(\s*['"](django|rest_framework)""")
    for path in MODULES:
        imports = {m for m in _imported_modules(path)
                   if m.split(".")[0] in ("django", "rest_framework")}
        if imports or dynamic.search(path.read_text()):
            offenders[str(path.relative_to(ROOT))] = sorted(imports) or ["dynamic import"]
    assert offenders == {}

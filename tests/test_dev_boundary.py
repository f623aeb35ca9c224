"""The kit's development and test tools stay out of the services (issue 16): no source file of a service, of the
contracts or of the kit outside :mod:`dvckit.dev` imports ``dvckit.dev`` or one of the old paths that re-export
it (``dvckit.devbroker``, ``dvckit.testing`` …), directly, relatively, by ``importlib.import_module`` or inside a
function. The old paths are checked to be re-exports only, so leaving them out of the scan hides no code."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / "libs" / "dvckit" / "src" / "dvckit"
DEV_PACKAGE = "dvckit.dev"
# the old paths of modules now in dvckit.dev: each a thin module re-exporting its names
SHIMS = (
    "dvckit.devbroker",
    "dvckit.testing",
    "dvckit.devstack",
    "dvckit.oidc_fake",
    "dvckit.apache_kafka",
    "dvckit.keycloak",
    "dvckit.keycloak_keys",
    "dvckit.keycloak_dist",
    "dvckit.keycloak_realm",
)
FORBIDDEN = (DEV_PACKAGE, *SHIMS)


def _is_dev(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN)


def _module_name(path: Path) -> str:
    """The dotted name of a file under a ``src`` directory."""
    src = next(parent for parent in path.parents if parent.name == "src")
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def dev_imports(tree: ast.AST, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of a development module in ``tree``, the code of ``module``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_dev(alias.name):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, is_package)
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if _is_dev(source) or _is_dev(full):
                    yield node.lineno, source if _is_dev(source) else full
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            target = node.args[0].value
            if name in ("import_module", "__import__") and isinstance(target, str) and _is_dev(target):
                yield node.lineno, target


def _shim_paths() -> set[Path]:
    return {KIT / f"{name.removeprefix('dvckit.')}.py" for name in SHIMS}


def _scanned() -> list[Path]:
    files = [*ROOT.glob("services/*/src/**/*.py"), *(ROOT / "contracts" / "src").rglob("*.py")]
    files += [p for p in KIT.rglob("*.py") if (KIT / "dev") not in p.parents and p not in _shim_paths()]
    return sorted(files)


def test_the_detector_sees_every_form() -> None:
    def found(code: str, module: str = "dvc_dossier.entrypoints.app", is_package: bool = False) -> list[str]:
        return [name for _, name in dev_imports(ast.parse(code), module, is_package)]

    assert found("import dvckit.dev.broker") == ["dvckit.dev.broker"]
    assert found("from dvckit.devbroker import DevBroker") == ["dvckit.devbroker"]
    assert found("from dvckit import testing, migrate") == ["dvckit.testing"]
    assert found("from dvckit import dev") == ["dvckit.dev"]
    assert found("def f():\n    from dvckit.oidc_fake import FakeProvider") == ["dvckit.oidc_fake"]
    assert found("importlib.import_module('dvckit.keycloak')") == ["dvckit.keycloak"]
    assert found("from .dev import broker", "dvckit.runtime") == ["dvckit.dev"]
    assert found("from ..testing import eventually", "dvckit.messaging.relay") == ["dvckit.testing"]
    assert found("from . import devstack", "dvckit", is_package=True) == ["dvckit.devstack"]
    assert (
        found("from dvckit import migrate\nimport dvckit.development\nfrom dvckit.db import make_engine")
        == []
    )


def test_the_old_paths_only_re_export_dvckit_dev() -> None:
    for path in sorted(_shim_paths()):
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                assert node.module == "__future__" or _is_dev(node.module or ""), (path, node.lineno)
            else:
                # the docstring, __all__, the old private names bound to their new ones, the `python -m` entry
                assert isinstance(node, ast.Expr | ast.Assign | ast.If), (path, node.lineno, type(node))


def test_no_service_imports_the_development_tools() -> None:
    files = _scanned()
    services = {p.relative_to(ROOT / "services").parts[0] for p in files if (ROOT / "services") in p.parents}
    assert services == {p.name for p in (ROOT / "services").iterdir() if (p / "src").is_dir()}
    assert len(services) >= 7
    assert KIT / "runtime.py" in files and KIT / "messaging" / "relay.py" in files
    assert not any(p.parent == KIT / "dev" or p in _shim_paths() for p in files)
    offences = []
    parsed = 0
    for path in files:
        tree = ast.parse(path.read_text(), str(path))
        parsed += 1
        module = _module_name(path)
        for line, name in dev_imports(tree, module, path.name == "__init__.py"):
            offences.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert parsed == len(files) > 100
    assert not offences, "development tools imported by service code:\n" + "\n".join(offences)

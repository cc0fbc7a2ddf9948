"""The arrows of docs/architecture.md, checked on the source: views on top of domain
packages on top of models; core below every domain; only app/coins writes coins."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
DOMAINS = ("accounts", "coins", "steps", "fraud", "catalog", "orders", "gamification", "backoffice")
# Blueprints, the scheduler and the operations plumbing sit on top: nothing below imports them.
ON_TOP = ("web", "admin", "api", "jobs", "ops")
# Known arrows the wrong way, each with its reason; remove an entry when its arrow is gone.
ALLOWED = {
    # The overview lists every nightly job, and app/jobs/nightly is where their names live.
    ("app/backoffice/overview.py", "app.jobs.nightly"),
}
WALLET_BALANCES = {"available_coins", "frozen_coins", "lifetime_earned", "lifetime_spent"}
COIN_TABLES = {"CoinTransaction", "Wallet"}


def modules(package: str) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((APP / package).rglob("*.py")):
        yield path.relative_to(PROJECT_ROOT).as_posix(), ast.parse(path.read_text())


def imported(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "app":
                yield from (f"app.{alias.name}" for alias in node.names)
            else:
                yield node.module


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def wrong_way_imports(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for package in packages:
        for path, tree in modules(package):
            for module in imported(tree):
                if package_of(module) in forbidden and (path, module) not in ALLOWED:
                    found.append(f"{path} imports {module}")
    return found


def test_domain_packages_never_import_the_views_jobs_or_ops():
    assert wrong_way_imports(DOMAINS, ON_TOP) == []


def test_core_imports_no_domain_package_and_no_view():
    assert wrong_way_imports(("core",), DOMAINS + ON_TOP) == []


def test_models_import_nothing_above_them():
    assert wrong_way_imports(("models",), ("core", *DOMAINS, *ON_TOP)) == []


def coin_writes(tree: ast.Module) -> Iterator[str]:
    """Balance assignments, new ledger rows, and Core INSERT/UPDATE/DELETE on the coin tables."""
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in WALLET_BALANCES:
                yield f"line {node.lineno}: sets .{target.attr}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            first = node.args[0] if node.args else None
            if name == "CoinTransaction":
                yield f"line {node.lineno}: CoinTransaction(...)"
            if name in {"insert", "update", "delete"} and first is not None:
                written = first.value if isinstance(first, ast.Attribute) else first
                if isinstance(written, ast.Name) and written.id in COIN_TABLES:
                    yield f"line {node.lineno}: {name}({written.id})"


def test_only_app_coins_writes_wallet_balances_and_ledger_rows():
    writers = [
        f"{path} {write}"
        for package in ("core", *DOMAINS, "models", *ON_TOP)
        if package != "coins"
        for path, tree in modules(package)
        for write in coin_writes(tree)
    ]
    assert writers == []


def test_the_coin_write_check_sees_the_ledgers_own_writes():
    # The check above would pass vacuously if it could not recognise a write at all.
    ledger = ast.parse((APP / "coins" / "ledger.py").read_text())
    kinds = {write.split(": ", 1)[1] for write in coin_writes(ledger)}
    assert {"sets .available_coins", "CoinTransaction(...)", "insert(CoinTransaction)"} <= kinds


def test_the_import_check_sees_a_wrong_way_arrow():
    tree = ast.parse("from app.web.rendering import render_page\nimport app.api.schemas\n")
    assert [package_of(m) for m in imported(tree)] == ["web", "api"]

"""Shared fixtures. Tests may read ../shared (the spec); the installed tool never needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _no_config_discovery(monkeypatch):
    # Tests must not pick up a developer's .orderlint.toml above the checkout.
    monkeypatch.setenv("ORDERLINT_NO_CONFIG", "1")


def run_cli(*args: str, input: str | bytes | None = None, env: dict | None = None):
    """Run the command line in-process; returns click's Result (exit_code, stdout, stderr)."""
    from orderlint.cli import cli

    runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def run_orderlint(*args: str, input: bytes | None = None, env: dict | None = None, timeout: float = 60, cwd=None):
    """Run the installed console command in a subprocess (real exit codes, real stdio)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    exe = Path(sys.executable).with_name("orderlint")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "orderlint"]
    return subprocess.run(cmd + list(args), input=input, capture_output=True, timeout=timeout, env=full_env, cwd=cwd)


def one_rule_pack(check, code: str = "AAA001", name: str = "plugin-check", conditions=("ssc-ild",),
                  severity: str = "error"):
    """A plugin object declaring one rule whose check is ``check`` (conditions None: every condition)."""
    from orderlint.hookspecs import hookimpl
    from orderlint.rules import Source, rule

    class Pack:
        @hookimpl
        def orderlint_rules(self):
            return [rule(code=code, name=name, severity=severity, summary="s", source=Source("c", "g"),
                         rationale="r", conditions=None if conditions is None else list(conditions))(check)]

    return Pack()


def vocabulary_pack(drugs: dict):
    """A plugin object contributing ``drugs`` to the vocabulary (hook orderlint_vocabulary)."""
    from orderlint.hookspecs import hookimpl

    class Vocab:
        @hookimpl
        def orderlint_vocabulary(self):
            return {"drugs": drugs}

    return Vocab()


def plugin_site(site: Path, dist: str, module: str, source: str, entry: str | None = None) -> Path:
    """A plugin 'installed' in folder ``site``: distribution ``dist`` (a dist-info with an entry point
    ``entry``, by default the module's name, in the orderlint group) and its module's source."""
    import textwrap

    info = site / f"{dist}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[orderlint]\n{entry or module} = {module}\n")
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    return site


def write_doc(tmp_path: Path, doc: dict, name: str = "doc.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return p


def minimal(**overrides) -> dict:
    """A small valid order-set document that lints clean (pantoprazole: no rule applies)."""
    doc = {
        "id": "minimal",
        "kind": "order-set",
        "as_of": "2026-03-02",
        "indication": {"condition": "ssc-ild"},
        "orders": [{"id": "ppi", "drug": "pantoprazole", "dose": 40, "unit": "mg", "route": "oral", "frequency": "daily"}],
    }
    doc.update(overrides)
    return doc

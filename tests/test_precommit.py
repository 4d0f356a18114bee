"""The pre-commit hook, exercised with the real pre-commit client (`pre-commit try-repo`)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, ROOT

PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))


def test_hook_definition_matches_the_interface():
    # interfaces.md, pre-commit: hook `orderlint`, `entry: orderlint check`, `types_or: [json, yaml]`.
    hook, lines = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    # --force-exclude in the entry, not in args: a user's `args:` replaces the hook's args.
    assert hook["id"] == "orderlint" and hook["entry"] == "orderlint check --force-exclude" and hook["language"] == "python"
    assert hook["types_or"] == ["json", "yaml"]
    # JSON Lines have no pre-commit file type (identify tags .jsonl and .ndjson with none of json or
    # yaml), so the orderlint hook never saw them: a second hook takes them by name.
    assert lines["id"] == "orderlint-jsonl" and lines["entry"] == hook["entry"] and lines["language"] == "python"
    assert "types_or" not in lines and "types" not in lines
    import re

    taken = re.compile(lines["files"])
    assert all(taken.search(n) for n in ("a.jsonl", "b/c.ndjson")) and not any(
        taken.search(n) for n in ("a.json", "a.yaml", "a.jsonl.bak"))


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory):
    """A clean git copy of this repository for try-repo (it needs committed files)."""
    if not Path(PRE_COMMIT).exists():
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    src = tmp_path_factory.mktemp("orderlint-src")
    ignore = shutil.ignore_patterns(".git", ".venv", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "build", "benchmarks", "fuzz")
    shutil.copytree(ROOT, src, ignore=ignore, dirs_exist_ok=True)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "snapshot"]):
        subprocess.run(cmd, cwd=src, check=True, capture_output=True)
    return src


def _repo_with(tmp_path, files: dict[str, Path], texts: dict[str, str] | None = None) -> Path:
    repo = tmp_path / "orders"
    repo.mkdir(parents=True)
    for name, source in files.items():
        shutil.copy(source, repo / name)
    for name, text in (texts or {}).items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    return repo


def _digest(repo: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in repo.iterdir() if p.is_file()}


def _try_repo(repo: Path, hook_source: Path, hook: str = "orderlint"):
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(repo.parent / "pc-cache")
    env.pop("ORDERLINT_NO_CONFIG", None)
    return subprocess.run([PRE_COMMIT, "try-repo", str(hook_source), hook, "--all-files"],
                          cwd=repo, capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.slow
def test_the_json_lines_hook_lints_jsonl_and_ndjson_files(tmp_path, hook_source):
    import json

    unsafe = json.dumps(json.loads((EXAMPLES / "regimens" / "ILD202-fires.json").read_text())) + "\n"
    clean = json.dumps(json.loads((EXAMPLES / "regimens" / "ILD202-clean.json").read_text())) + "\n"
    for name in ("orders.jsonl", "orders.ndjson"):
        repo = _repo_with(tmp_path / name, {}, {name: unsafe, "cyc.yaml": clean.replace("\n", "")})
        # The orderlint hook does not take the file (no JSON or YAML type) ...
        assert "ILD202" not in _try_repo(repo, hook_source).stdout
        # ... the JSON Lines hook does.
        r = _try_repo(repo, hook_source, "orderlint-jsonl")
        assert r.returncode == 1 and "ILD202" in r.stdout, r.stdout + r.stderr
        (repo / name).write_text(clean)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        r = _try_repo(repo, hook_source, "orderlint-jsonl")
        assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_pre_commit_fails_an_unsafe_order_set_and_passes_a_clean_one(tmp_path, hook_source):
    unsafe = _repo_with(tmp_path / "u", {"cyc.yaml": EXAMPLES / "protocols" / "cyc-induction.yaml"})
    before = _digest(unsafe)
    r = _try_repo(unsafe, hook_source)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "ILD301" in r.stdout
    assert _digest(unsafe) == before, "the hook never modifies files"

    clean = _repo_with(tmp_path / "c", {"cyc.yaml": EXAMPLES / "protocols" / "cyc-induction-clean.yaml",
                                        "mmf.yaml": EXAMPLES / "protocols" / "mmf-start.yaml"})
    r = _try_repo(clean, hook_source)
    assert r.returncode == 0, r.stdout + r.stderr


PRE_COMMIT_CONFIG = """repos:
  - repo: https://github.com/orderlint/orderlint
    rev: v0.3.6
    hooks:
      - id: orderlint
"""
WORKFLOW = """name: orderlint
on: [push]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""


@pytest.mark.slow
def test_the_published_hook_does_not_lint_the_repositorys_ci_configuration(tmp_path, hook_source):
    """Issue 16: the hook linted .pre-commit-config.yaml (5 OL001 errors); --force-exclude keeps the
    default excludes for the file names pre-commit passes."""
    texts = {".pre-commit-config.yaml": PRE_COMMIT_CONFIG, ".github/workflows/orderlint.yml": WORKFLOW,
             ".gitlab-ci.yml": "lint:\n  script: [orderlint check .]\n"}
    repo = _repo_with(tmp_path, {"mmf.yaml": EXAMPLES / "protocols" / "mmf-start.yaml"}, texts)
    r = _try_repo(repo, hook_source)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OL001" not in r.stdout
    # Only CI files in the commit: nothing to lint is a pass, not a usage error.
    only_ci = _repo_with(tmp_path / "ci", {}, texts)
    r = _try_repo(only_ci, hook_source)
    assert r.returncode == 0, r.stdout + r.stderr
    # The same repository with an unsafe order set still fails.
    unsafe = _repo_with(tmp_path / "u2", {"cyc.yaml": EXAMPLES / "protocols" / "cyc-induction.yaml"}, texts)
    r = _try_repo(unsafe, hook_source)
    assert r.returncode == 1 and "ILD301" in r.stdout and "OL001" not in r.stdout, r.stdout + r.stderr

"""File selection (issue 16 item 2; interfaces.md, Everyday use): include, exclude, extend-exclude,
the default excludes, --force-exclude, and FHIR Bulk Data folders found by a walk."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES, minimal, run_orderlint

CI_YAML = "on: [push]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: orderlint check .\n"


def _doc(path: Path, **overrides) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(minimal(**overrides)), encoding="utf-8")
    return path


def _sources(r) -> list[str]:
    assert r.returncode in (0, 1), r.stderr.decode()
    return [res["source"] for res in json.loads(r.stdout)["results"]]


def _run(cwd: Path, *args: str):
    return run_orderlint(*args, cwd=cwd)


def _run_config(cwd: Path, *args: str):
    """With configuration discovery (conftest turns it off for every other run)."""
    import subprocess
    import sys

    env = dict(os.environ)
    env.pop("ORDERLINT_NO_CONFIG", None)
    exe = Path(sys.executable).with_name("orderlint")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, env=env, timeout=120)


@pytest.fixture
def project(tmp_path):
    """A repository with one regimen and every kind of folder and file that is never a regimen."""
    root = tmp_path / "repo"
    _doc(root / "protocols" / "a.json")
    _doc(root / "protocols" / "b.JSON")  # extensions are matched ignoring case, as always
    for folder in ("venv", ".venv", "node_modules/pkg", "build/lib", "dist", "__pycache__", ".tox/py311",
                   "protocols/node_modules", ".git"):
        _doc(root / folder / "package.json")
    (root / ".pre-commit-config.yaml").write_text("repos:\n  - repo: local\n    hooks: []\n")
    (root / ".gitlab-ci.yml").write_text("lint:\n  script: [orderlint check .]\n")
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(CI_YAML)
    (root / "notes.txt").write_text("not a regimen")
    return root


@pytest.mark.slow
def test_check_dot_skips_virtualenvs_node_modules_and_ci_files(project):
    expected = ["./protocols/a.json", "./protocols/b.JSON"]
    assert _sources(_run(project, "check", ".", "--format", "json")) == expected
    # The same with no path at all, and with worker processes.
    assert _sources(_run(project, "check", "--format", "json")) == expected
    assert _sources(_run(project, "check", ".", "--format", "json", "-j", "2")) == expected


def test_a_dot_folder_no_exclude_names_is_said_on_standard_error(project):
    # A walk never enters a folder whose name starts with a dot; one that no exclude names (a
    # regimen kept in .orders/) was passed by without a word, the run clean.
    _doc(project / ".orders" / "mmf.json")
    _doc(project / "protocols" / ".drafts" / "c.json")
    r = _run(project, "check", ".", "--format", "json")
    assert _sources(r) == ["./protocols/a.json", "./protocols/b.JSON"]
    err = r.stderr.decode()
    assert ("not walked, as folders whose name starts with a dot never are: ./.orders, ./protocols/.drafts "
            "(name a folder to lint it)") in err
    # The default excludes (.git, .venv, .tox, .github) are passed by as before, unsaid.
    assert ".git" not in err and ".venv" not in err and ".tox" not in err and ".github" not in err
    # Named, it is linted.
    assert _sources(_run(project, "check", ".orders", "--format", "json")) == [".orders/mmf.json"]


@pytest.mark.slow
def test_a_file_named_on_the_command_line_is_linted_even_if_excluded(project):
    r = _run(project, "check", ".pre-commit-config.yaml", "node_modules/pkg/package.json", "--format", "json")
    assert _sources(r) == [".pre-commit-config.yaml", "node_modules/pkg/package.json"]
    assert r.returncode == 1  # the CI file is not a regimen: OL001, as before


@pytest.mark.slow
def test_an_excluded_folder_named_on_the_command_line_is_walked(project):
    assert _sources(_run(project, "check", "node_modules", "--format", "json")) == ["node_modules/pkg/package.json"]


@pytest.mark.slow
def test_force_exclude_drops_named_files_and_files_in_excluded_folders(project):
    r = _run(project, "check", "--force-exclude", ".pre-commit-config.yaml", ".github/workflows/ci.yml",
             "node_modules/pkg/package.json", "protocols/a.json", "--format", "json")
    assert _sources(r) == ["protocols/a.json"] and r.returncode == 0


@pytest.mark.slow
def test_force_exclude_with_nothing_left_exits_0_and_says_why(project):
    r = _run(project, "check", "--force-exclude", ".pre-commit-config.yaml", ".gitlab-ci.yml")
    assert r.returncode == 0 and r.stdout.startswith(b"0 documents")
    err = r.stderr.decode()
    assert err.count("\n") == 1 and "every path given is excluded (--force-exclude)" in err and ".gitlab-ci.yml" in err


@pytest.mark.slow
def test_the_baseline_file_named_by_pre_commit_is_excluded(project):
    # A baseline is no regimen: named when it changed, it was 6 x OL001 and blocked the commit.
    (project / ".orderlint-baseline.json").write_text('{"orderlint-baseline": 1, "entries": []}\n')
    r = _run(project, "check", "--force-exclude", ".orderlint-baseline.json", "protocols/a.json", "--format", "json")
    assert _sources(r) == ["protocols/a.json"] and r.returncode == 0


@pytest.mark.slow
def test_force_exclude_still_fails_closed_on_a_missing_path(project):
    r = _run(project, "check", "--force-exclude", ".pre-commit-config.yaml", "missing.json")
    assert r.returncode == 2 and b"missing.json" in r.stderr


@pytest.mark.slow
def test_extend_exclude_from_the_configuration_file(project):
    (project / "pyproject.toml").write_text('[tool.orderlint]\nextend-exclude = ["drafts/", "*-old.json"]\n')
    _doc(project / "protocols" / "drafts" / "c.json")
    _doc(project / "protocols" / "d-old.json")
    _doc(project / "protocols" / "drafts.json")  # 'drafts/' names folders only
    r = _run_config(project, "check", ".", "--format", "json")
    assert _sources(r) == ["./protocols/a.json", "./protocols/b.JSON", "./protocols/drafts.json"]
    # The defaults still apply (extend-exclude adds to them).
    assert not any("node_modules" in s for s in _sources(r))


@pytest.mark.slow
def test_exclude_replaces_the_defaults(project):
    (project / ".orderlint.toml").write_text('exclude = ["venv"]\n')
    found = _sources(_run_config(project, "check", ".", "--format", "json"))
    assert "./node_modules/pkg/package.json" in found and "./build/lib/package.json" in found
    assert "./venv/package.json" not in found
    # Folders whose name starts with a dot are still never walked into.
    assert not any(s.startswith(("./.venv/", "./.git/", "./.tox/", "./.github/")) for s in found)
    assert "./.pre-commit-config.yaml" in found  # no longer a default exclude


@pytest.mark.slow
def test_anchored_patterns_are_relative_to_the_configuration_files_folder(project):
    (project / ".orderlint.toml").write_text('extend-exclude = ["protocols/a.json", "/protocols/sub/"]\n')
    _doc(project / "protocols" / "sub" / "e.json")
    _doc(project / "other" / "protocols" / "a.json")  # same tail, other place: not anchored there
    sub = project / "protocols"
    assert _sources(_run_config(sub, "check", ".", "--format", "json")) == ["./b.JSON"]
    found = _sources(_run_config(project, "check", ".", "--format", "json"))
    assert found == ["./other/protocols/a.json", "./protocols/b.JSON"]


@pytest.mark.slow
def test_include_selects_what_a_walk_lints(project):
    (project / ".orderlint.toml").write_text('include = ["*.json", "*.txt"]\n')
    (project / "protocols" / "f.yaml").write_text(json.dumps(minimal()))
    found = _sources(_run_config(project, "check", ".", "--format", "json"))
    assert found == ["./notes.txt", "./protocols/a.json", "./protocols/b.JSON"]
    # A file named on the command line is linted whatever include says.
    assert _sources(_run_config(project, "check", "protocols/f.yaml", "--format", "json")) == ["protocols/f.yaml"]


@pytest.mark.slow
def test_force_exclude_from_the_configuration_file(project):
    (project / ".orderlint.toml").write_text('force-exclude = true\n')
    r = _run_config(project, "check", ".gitlab-ci.yml", "protocols/a.json", "--format", "json")
    assert _sources(r) == ["protocols/a.json"]


@pytest.mark.slow
@pytest.mark.parametrize("table, needle", [
    ('include = "*.json"', "include must be a list of glob patterns"),
    ('include = []', "include must name at least one pattern"),
    ('extend-exclude = [""]', "extend-exclude must be a list of glob patterns"),
    ('force-exclude = "yes"', "force-exclude"),
    ('extend-exlude = ["x"]', "did you mean 'extend-exclude'"),
])
def test_selection_settings_are_validated(tmp_path, table, needle):
    (tmp_path / ".orderlint.toml").write_text(table + "\n")
    _doc(tmp_path / "a.json")
    r = _run_config(tmp_path, "check", ".")
    assert r.returncode == 2 and needle in r.stderr.decode() and r.stderr.decode().count("\n") == 1


def test_glob_rules(tmp_path):
    from orderlint.inputs import Selection

    root = tmp_path
    sel = Selection(exclude=["*.bak.json", "a/**/deep", "[bc]ar/", "x?z", "/top.json"], root=str(root))
    assert sel.excluded(str(root / "q" / "one.bak.json"), False)
    assert sel.excluded(str(root / "a" / "deep"), True) and sel.excluded(str(root / "a" / "b" / "c" / "deep"), True)
    assert not sel.excluded(str(root / "z" / "a" / "deep"), True)
    assert sel.excluded(str(root / "car"), True) and not sel.excluded(str(root / "car"), False)
    assert sel.excluded(str(root / "xyz"), False) and not sel.excluded(str(root / "x" / "z"), False)
    assert sel.excluded(str(root / "top.json"), False) and not sel.excluded(str(root / "s" / "top.json"), False)
    assert not sel.excluded("/elsewhere/top.json", False)  # anchored patterns never match outside the root
    assert sel.excluded("/elsewhere/car", True)  # a name pattern matches anywhere
    assert Selection(exclude=["[x"], root=str(root)).excluded(str(root / "[x"), False)  # a lone '[' is literal


@pytest.mark.slow
def test_a_bulk_data_folder_inside_a_walk_is_one_unit(tmp_path):
    shutil.copytree(EXAMPLES / "fhir" / "bulk", tmp_path / "exports" / "bulk")
    _doc(tmp_path / "exports" / "regimen.json")
    r = run_orderlint("check", "exports", "--format", "json", cwd=tmp_path)
    whole = run_orderlint("check", "exports/bulk", "--format", "json", cwd=tmp_path)
    assert json.loads(r.stdout)["results"][1:] == json.loads(whole.stdout)["results"]
    assert _sources(r)[0] == "exports/regimen.json"  # a folder's own files come before its subfolders
    # Patients, not lines: the export has fewer results than NDJSON lines.
    lines = sum(len(p.read_text().splitlines()) for p in (tmp_path / "exports" / "bulk").glob("*.ndjson"))
    assert len(json.loads(whole.stdout)["results"]) < lines


def test_force_exclude_outside_the_root_matches_folder_names_only(tmp_path):
    from orderlint.inputs import Selection

    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "elsewhere" / "build" / "x.json"
    sel = Selection(exclude=["build", "/elsewhere"], root=str(root), force=True)
    assert sel.named_path_excluded(str(outside))  # 'build' is a name pattern
    assert not Selection(exclude=["/elsewhere"], root=str(root), force=True).named_path_excluded(str(outside))
    assert sel.named_path_excluded(str(root / "a" / "build" / "b" / "y.json"))
    assert not sel.named_path_excluded(str(root / "a" / "y.json"))
    assert not Selection(exclude=["build"], root=str(root)).named_path_excluded(str(outside)), "only with force"


@pytest.mark.slow
def test_a_bulk_export_with_a_manifest_is_one_unit_and_its_other_files_are_still_linted(tmp_path):
    export = tmp_path / "exports" / "bulk"
    shutil.copytree(EXAMPLES / "fhir" / "bulk", export)
    outputs = [{"type": p.stem, "url": f"https://fhir.example.org/out/{p.name}"} for p in sorted(export.glob("*.ndjson"))]
    (export / "manifest.json").write_text(json.dumps({"transactionTime": "2026-03-02T00:00:00Z", "request": "x",
                                                      "requiresAccessToken": False, "output": outputs, "error": []}))
    _doc(export / "zz-regimen.json")  # not part of the export: linted on its own, never silently skipped
    whole = json.loads(run_orderlint("check", "exports/bulk", "--format", "json", cwd=tmp_path).stdout)["results"]
    sources = [r["source"] for r in whole]
    assert not any(s.endswith("manifest.json") for s in sources), sources
    assert sources[-1] == "exports/bulk/zz-regimen.json"
    assert all(s.startswith("exports/bulk/") and ".ndjson:" in s for s in sources[:-1])
    bare = json.loads(run_orderlint("check", str(EXAMPLES / "fhir" / "bulk"), "--format", "json").stdout)["results"]
    assert [[(f["code"], f["line"], f["column"]) for f in r["findings"]] for r in whole[:-1]] == \
        [[(f["code"], f["line"], f["column"]) for f in r["findings"]] for r in bare]

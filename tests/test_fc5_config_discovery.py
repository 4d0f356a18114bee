"""Configuration discovery reads no file above the working directory outside a git repository or
the home folder (README, Configuration), and does not drop such a file unseen either: it refuses to
run and says how to choose (exit 2). ORDERLINT_NO_CONFIG stops `check` from looking."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from orderlint.config import ConfigError

from conftest import EXAMPLES

FIRES = EXAMPLES / "regimens" / "ILD101-fires.json"  # methotrexate: ILD101 warning
PLANTED = 'ignore = ["ILD1", "ILD2", "ILD3", "ILD4"]\n'


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/shared/.orderlint.toml above tmp/shared/proj (no .git), HOME elsewhere."""
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)
    shared = tmp_path / "shared"
    (shared / "proj").mkdir(parents=True)
    (shared / ".orderlint.toml").write_text(PLANTED, encoding="utf-8")
    (shared / "proj" / "doc.json").write_text(FIRES.read_text(encoding="utf-8"), encoding="utf-8")
    return shared


def test_a_file_above_a_folder_that_is_no_git_checkout_is_not_read(tree: Path) -> None:
    from orderlint.config import ConfigError, find_config

    for start in (tree / "proj", tree / "proj" / "."):
        with pytest.raises(ConfigError) as e:
            find_config(start)
        assert str(e.value) == (
            f"configuration file {tree / '.orderlint.toml'} was not read: it is above the working directory "
            f"{tree / 'proj'}, which is not inside a git repository or the home folder, so it may have been put there "
            f"by someone else; run orderlint from {tree}, name the file with --config, or set ORDERLINT_NO_CONFIG=1 "
            "to use the defaults")
    # With nothing above, the defaults apply.
    (tree / ".orderlint.toml").unlink()
    assert find_config(tree / "proj") is None


def test_the_check_run_there_keeps_its_rules(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from orderlint.cli import cli

    monkeypatch.chdir(tree / "proj")
    # The planted file neither ignores ILD101 nor is dropped unseen: the run stops (exit 2) and says so.
    for args in (["check", "doc.json", "--format", "json"], ["config"]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 2 and f"{tree / '.orderlint.toml'} was not read" in res.output, res.output
    res = CliRunner().invoke(cli, ["check", "doc.json", "--format", "json"], env={"ORDERLINT_NO_CONFIG": "1"})
    assert res.exit_code == 1, res.output
    codes = [f["code"] for r in json.loads(res.stdout)["results"] for f in r["findings"]]
    assert "ILD101" in codes


def test_the_working_directory_itself_is_read(tree: Path) -> None:
    from orderlint.config import find_config

    (tree / "proj" / ".orderlint.toml").write_text('fail-on = "error"\n', encoding="utf-8")
    assert find_config(tree / "proj") == (tree / "proj" / ".orderlint.toml", False)


def test_inside_a_git_repository_the_walk_goes_up_to_its_root(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from orderlint.cli import cli
    from orderlint.config import find_config

    (tree / ".git").mkdir()
    sub = tree / "proj" / "sub"
    sub.mkdir()
    assert find_config(sub) == (tree / ".orderlint.toml", False)
    # Announced as before.
    monkeypatch.chdir(sub)
    res = CliRunner().invoke(cli, ["config"])
    assert f"configuration file: {tree / '.orderlint.toml'}" in res.output, res.output
    # And never above the repository root: a file there is not read, and stops the run naming it
    # (a site's file above its checkouts was dropped unsaid).
    (tree / ".orderlint.toml").unlink()
    (tree.parent / ".orderlint.toml").write_text(PLANTED, encoding="utf-8")
    with pytest.raises(ConfigError, match="was not read"):
        find_config(sub)


def test_inside_the_home_folder_the_walk_goes_up_to_it(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orderlint.config import find_config

    monkeypatch.setenv("HOME", str(tree))
    assert find_config(tree / "proj") == (tree / ".orderlint.toml", False)


def test_a_git_folder_someone_else_owns_bounds_nothing(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "geteuid"):
        pytest.skip("no owner ids")
    from orderlint.config import ConfigError, find_config

    (tree / ".git").mkdir()  # planted next to the file, by another user
    assert find_config(tree / "proj") == (tree / ".orderlint.toml", False)  # ours: read
    uid = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: uid + 1)
    # Not read, and not dropped unseen: a project checked out by another user and run from a
    # subfolder lost its own settings silently.
    with pytest.raises(ConfigError, match=r"in a git repository whose .*\.git belongs to another user"):
        find_config(tree / "proj")
    # A home folder someone else owns (HOME=/tmp in a container) is no boundary either.
    (tree / ".git").rmdir()
    monkeypatch.setenv("HOME", str(tree))
    with pytest.raises(ConfigError, match=r"in a home folder \(.*\) that is not the user's own"):
        find_config(tree / "proj")


def test_a_home_folder_at_the_filesystem_root_is_no_boundary(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orderlint import config

    monkeypatch.setattr(config, "_home", lambda: Path(tree.anchor))
    with pytest.raises(config.ConfigError, match=r"in a home folder \(.*\) that is the filesystem root"):
        config.find_config(tree / "proj")


def test_check_with_orderlint_no_config_does_not_look(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from orderlint import config
    from orderlint.cli import cli

    (tree / "proj" / ".orderlint.toml").write_text(PLANTED, encoding="utf-8")
    monkeypatch.chdir(tree / "proj")
    monkeypatch.setenv("ORDERLINT_NO_CONFIG", "1")
    looked: list = []
    real = config.find_config
    monkeypatch.setattr(config, "find_config", lambda *a, **k: looked.append(a) or real(*a, **k))
    res = CliRunner().invoke(cli, ["check", "doc.json"])
    assert res.exit_code == 1 and "ILD101" in res.stdout, res.output
    assert "ORDERLINT_NO_CONFIG" not in res.stderr
    assert looked == []
    # `orderlint config` still names the file it kept from being read.
    res = CliRunner().invoke(cli, ["config"])
    assert res.exit_code == 0, res.output
    assert f"configuration file: (not read: ORDERLINT_NO_CONFIG is set; discovery found {tree / 'proj' / '.orderlint.toml'})" in res.output
    assert looked


@pytest.mark.parametrize("table", ["tools.orderlint", "orderlint", "tool.Orderlint", "tool.order-lint", "tool.order_lint",
                                   "Tool.orderlint", '"tool"."ORDERLINT"'])
def test_a_table_meant_for_orderlint_under_another_name_is_refused(tmp_path: Path, table: str) -> None:
    # interfaces.md 2nd ed., Configuration: an unknown key is a configuration error (exit 2) with a
    # "did you mean" hint; a whole table under another name was not even an unknown key.
    # It was ignored: the run used the defaults (a site's fail-on = "info" dropped) and exited 0.
    from orderlint.config import find_config

    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n[{table}]\nfail-on = "info"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        find_config(tmp_path)
    assert "is not read: orderlint reads its settings from [tool.orderlint]" in str(e.value)


@pytest.mark.parametrize("text", ['[tool.orderlint]\nfail-on = "info"\n', '[project]\ndependencies = ["orderlint"]\n',
                                  '[tool.black]\nline-length = 100\n'])
def test_the_table_itself_and_other_projects_tables_are_not_refused(tmp_path: Path, text: str) -> None:
    from orderlint.config import find_config

    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    found = find_config(tmp_path)
    assert (found is not None) == text.startswith("[tool.orderlint]\n")


def test_a_misnamed_table_beside_the_table_itself_is_refused(tmp_path: Path) -> None:
    # [tool.order-lint] with an ignore list beside [tool.orderlint]: the second was dropped unsaid.
    from orderlint.config import build_settings, find_config

    (tmp_path / ".git").mkdir()
    py = tmp_path / "pyproject.toml"
    py.write_text('[tool.orderlint]\nfail-on = "info"\n\n[tool.order-lint]\nignore = ["ILD101"]\n', encoding="utf-8")
    found = find_config(tmp_path)
    assert found == (py, True)
    with pytest.raises(ConfigError) as e:
        build_settings(config_path=str(py))
    assert "table [tool.order-lint] is not read" in str(e.value)


@pytest.mark.parametrize("beside, fix", [
    ({}, "rename it .orderlint.toml, or name it with --config"),
    # `[tool.orderlint-ssc]` is another tool's table: it matched a quick test for `[tool.orderlint`.
    ({"pyproject.toml": '[tool.orderlint-ssc]\nx = 1\n'}, "rename it .orderlint.toml, or name it with --config"),
    ({"pyproject.toml": '[tool.orderlint]\nfail-on = "info"\n'},
     "this folder's settings are [tool.orderlint] in pyproject.toml: move its settings there and delete it"),
    ({".orderlint.toml": 'select = ["ILD"]\n'}, "this folder's settings are in .orderlint.toml: move its settings there and delete it"),
])
def test_a_config_file_named_without_its_leading_dot_is_refused(tmp_path: Path, beside: dict, fix: str) -> None:
    # Not a name orderlint reads: its settings were dropped, and the defaults (or the other file) used unsaid.
    from orderlint.config import find_config

    (tmp_path / ".git").mkdir()
    for name, text in beside.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    if "pyproject.toml" in beside and "-ssc" in beside["pyproject.toml"]:
        assert find_config(tmp_path) is None
    (tmp_path / "orderlint.toml").write_text('fail-on = "info"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        find_config(tmp_path)
    assert f"orderlint.toml is not read: orderlint reads .orderlint.toml (with a leading dot) or [tool.orderlint] in pyproject.toml; {fix}" in str(e.value)


@pytest.mark.parametrize("name, make", [
    ("orderlint.toml", lambda p: p.symlink_to("nowhere")), ("orderlint.toml", lambda p: p.mkdir()),
    ("pyproject.toml", lambda p: p.mkdir()), ("pyproject.toml", lambda p: p.symlink_to("nowhere")),
])
def test_a_config_name_that_is_no_readable_file_is_refused(tmp_path: Path, name: str, make) -> None:
    # Passed over as absent: a dangling orderlint.toml, or a pyproject.toml that is a folder, and the defaults ran.
    from orderlint.config import find_config

    (tmp_path / ".git").mkdir()
    make(tmp_path / name)
    with pytest.raises(ConfigError) as e:
        find_config(tmp_path)
    assert name in str(e.value) and "\n" not in str(e.value)


def test_an_orderlint_key_in_an_array_of_tool_tables_is_refused(tmp_path: Path) -> None:
    # [[tool]] with orderlint = ...: an array of tables, which nothing read; the defaults ran.
    from orderlint.config import find_config

    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[[tool]]\norderlint = {fail-on = "info"}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        find_config(tmp_path)
    assert "table [[tool]] orderlint is not read" in str(e.value)

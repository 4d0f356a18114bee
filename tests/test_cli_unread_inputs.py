"""Inputs a run was asked to check but never read are an error, not a pass: `--jsonl` with paths
that leave standard input unread, a folder named on the command line that holds no regimen
document beside another path that does, and `--output` and `--write-baseline` naming one file.

Contract: interfaces.md, exit codes ("0: every document was read and checked"); `--jsonl` reads
standard input as JSON Lines."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import EXAMPLES, run_cli

ERROR_DOC = EXAMPLES / "regimens" / "ILD301-fires.json"  # one error (ILD301)
CLEAN_DOC = EXAMPLES / "regimens" / "ILD301-clean.json"
ENV = {"ORDERLINT_NO_CONFIG": "1"}


def one_line(path) -> str:
    return json.dumps(json.loads(path.read_text(encoding="utf-8"))) + "\n"


def test_jsonl_with_paths_but_not_stdin_is_refused():
    # The piped ILD301 error was never read, and the run passed on the clean file.
    r = run_cli("check", "--jsonl", str(CLEAN_DOC), input=one_line(ERROR_DOC), env=ENV)
    assert r.exit_code == 2
    assert "--jsonl reads standard input as JSON Lines, but standard input is not among the paths" in r.stderr


def test_jsonl_with_stdin_among_the_paths_reads_both():
    r = run_cli("check", "--jsonl", "-", str(CLEAN_DOC), input=one_line(ERROR_DOC), env=ENV)
    assert r.exit_code == 1
    assert "ILD301" in r.stdout and "2 documents, 2 checked" in r.stdout


def test_jsonl_alone_reads_stdin():
    r = run_cli("check", "--jsonl", input=one_line(ERROR_DOC), env=ENV)
    assert r.exit_code == 1 and "ILD301" in r.stdout


@pytest.mark.parametrize("content", [None, "a.txt", "notes.md"])
def test_a_named_folder_with_nothing_to_check_beside_a_document_is_exit_2(tmp_path, content):
    folder = tmp_path / "protocols"
    folder.mkdir()
    if content is not None:
        shutil.copy(ERROR_DOC, folder / content)  # a regimen under a name no include pattern takes
    r = run_cli("check", str(CLEAN_DOC), str(folder), env=ENV)
    assert r.exit_code == 2
    assert f"no regimen documents found in {folder}" in r.stderr
    assert "1 document, 1 checked" in r.stdout


def test_a_named_folder_whose_only_document_is_excluded_is_exit_2(tmp_path):
    folder = tmp_path / "protocols"
    folder.mkdir()
    shutil.copy(ERROR_DOC, folder / "old.json")
    (tmp_path / "orderlint.toml").write_text('extend-exclude = ["old.json"]\n', encoding="utf-8")
    r = run_cli("check", "--config", str(tmp_path / "orderlint.toml"), str(CLEAN_DOC), str(folder))
    assert r.exit_code == 2 and f"no regimen documents found in {folder}" in r.stderr


def test_named_folders_that_hold_documents_pass(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(CLEAN_DOC, tmp_path / name / "clean.json")
    r = run_cli("check", str(tmp_path / "a"), str(tmp_path / "b"), env=ENV)
    assert r.exit_code == 0 and not r.stderr.strip()


def test_output_and_write_baseline_naming_one_file_is_refused(tmp_path):
    # The baseline replaced the SARIF report, and the run said it wrote the baseline.
    same = tmp_path / "same.json"
    r = run_cli("check", str(ERROR_DOC), "--format", "sarif", "--output", str(same), "--write-baseline",
                str(tmp_path / "." / "same.json"), env=ENV)
    assert r.exit_code == 2
    assert "--output and --write-baseline name the same file" in r.stderr
    assert not same.exists()


def test_output_over_the_baseline_this_run_reads_is_refused(tmp_path):
    # The report replaced the baseline; the next run failed on it ("not an orderlint baseline").
    base = tmp_path / "baseline.json"
    assert run_cli("check", str(ERROR_DOC), "--write-baseline", str(base), env=ENV).exit_code == 0
    kept = base.read_bytes()
    r = run_cli("check", str(ERROR_DOC), "--baseline", str(base), "--format", "json", "--output", str(base), env=ENV)
    assert r.exit_code == 2
    assert "is the baseline this run reads (--baseline)" in r.stderr
    assert base.read_bytes() == kept
    # Refreshing the baseline it reads is what --write-baseline is for.
    r = run_cli("check", str(ERROR_DOC), "--baseline", str(base), "--write-baseline", str(base), env=ENV)
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
@pytest.mark.parametrize("name, text", [("pyproject.toml", '[tool.orderlint]\nfail-on = "error"\n'),
                                        ("orderlint.toml", 'fail-on = "error"\n')])
def test_a_report_over_the_configuration_file_is_refused(tmp_path, option, name, text):
    config = tmp_path / name
    config.write_text(text, encoding="utf-8")
    shutil.copy(ERROR_DOC, tmp_path / "doc.json")
    r = run_cli("check", str(tmp_path / "doc.json"), "--config", str(config), option, str(config))
    assert r.exit_code == 2
    assert f"{option} {config} is the configuration file of this run" in r.stderr
    assert config.read_text(encoding="utf-8") == text

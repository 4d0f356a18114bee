"""The README's install, pre-commit, CI and container snippets, exercised as written (issue 16 item 1;
interfaces.md 2nd ed., "Everyday use": Installation as written).

A snippet is the first fenced block after a marker comment in README.md:

    <!-- snippet: install -->          bash: install from a clone and lint the examples
    <!-- snippet: wheel -->            bash: build a wheel in a clone and install it
    <!-- snippet: pre-commit -->       yaml: an order-set repository's .pre-commit-config.yaml
    <!-- snippet: github-workflow -->  yaml: .github/workflows/orderlint.yml
    <!-- snippet: gitlab-ci -->        yaml: a .gitlab-ci.yml job
    <!-- snippet: docker -->           bash: build the image in a clone and run it

Commands run as written; the only substitution is the project's repository address, which is
replaced by a local git copy of this source (or an archive of it) carrying the release tag."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import venv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, ROOT, SHARED

README = ROOT / "README.md"
MARKERS = ("install", "wheel", "pre-commit", "github-workflow", "gitlab-ci", "docker")
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "venv", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
                                     ".mypy_cache", "build", "dist", "benchmarks", "fuzz")


def snippets() -> dict[str, tuple[str, str]]:
    """marker -> (fence language, text) of the first fenced block after each marker comment."""
    text = README.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r"<!--\s*snippet:\s*([\w-]+)\s*-->\s*\n```(\w*)\n(.*?)\n```", text, re.S):
        out.setdefault(m.group(1), (m.group(2), m.group(3) + "\n"))
    return out


def _version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def _tag() -> str:
    return f"v{_version()}"


def _snippet(name: str) -> str:
    found = snippets()
    assert name in found, f"README.md has no fenced block after <!-- snippet: {name} -->"
    return found[name][1]


def test_every_snippet_marker_is_in_the_readme_with_its_language():
    found = snippets()
    assert sorted(found) == sorted(MARKERS), f"markers found: {sorted(found)}"
    for name, (lang, _) in found.items():
        assert lang == ("yaml" if name in ("pre-commit", "github-workflow", "gitlab-ci") else "bash"), name


def _repository_urls(text: str) -> set[str]:
    return set(re.findall(r"https://github\.com/[\w.-]+/[\w.-]+?(?=/archive|\.git|@|\s|\"|$)", text, re.M))


def test_every_snippet_names_one_repository_and_the_current_release_tag():
    """The pre-commit rev and the CI install lines pin the release of this version; a checkout
    that carries tags must hold that tag (the lead tags each release)."""
    pc = yaml.safe_load(_snippet("pre-commit"))
    (entry,) = pc["repos"]
    assert entry["rev"] == _tag() and [h["id"] for h in entry["hooks"]] == ["orderlint"]
    urls = {entry["repo"]}
    for name in ("github-workflow", "gitlab-ci"):
        text = _snippet(name)
        assert _tag() in text, f"{name} does not install release {_tag()}"
        urls |= _repository_urls(text)
    assert len(urls) == 1, urls
    tags = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True)
    if tags.returncode != 0 or not tags.stdout.strip():
        pytest.skip("this checkout carries no git tags (a shallow or tag-less clone)")
    assert _tag() in tags.stdout.split(), f"the release tag {_tag()} the snippets name does not exist"


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def git_source(tmp_path_factory) -> Path:
    """A git copy of this source with the release tag, standing in for the repository address."""
    src = tmp_path_factory.mktemp("repo") / "orderlint"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "release"],
                ["git", "tag", _tag()]):
        subprocess.run(cmd, cwd=src, check=True, capture_output=True)
    return src


def _venv_env(tmp_path: Path) -> dict:
    """A fresh virtual environment on PATH, as a new user's shell would have."""
    where = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PATH=f"{where / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(where),
               ORDERLINT_NO_CONFIG="1", PIP_QUIET="1")
    return env


def _bash(script: str, cwd: Path, env: dict, timeout: float = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _skip_without_index(r: subprocess.CompletedProcess) -> None:
    if r.returncode != 0 and re.search(r"No matching distribution|Could not find a version|NewConnectionError", r.stderr):
        pytest.skip(f"no package index here: {r.stderr.strip().splitlines()[-1]}")


# ----------------------------------------------------------------------------- install from a clone


@pytest.mark.slow
def test_install_snippet_works_in_a_clone(git_source, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(git_source), str(clone)], check=True, capture_output=True)
    r = _bash(_snippet("install"), clone, _venv_env(tmp_path))
    _skip_without_index(r)
    # The examples hold unsafe regimens on purpose: findings, exit 1, and the summary line.
    assert r.returncode == 1, r.stderr[-3000:]
    assert re.search(r"^[\d,]+ documents, [\d,]+ checked", r.stdout, re.M), r.stdout[-2000:]


@pytest.mark.slow
def test_wheel_snippet_builds_and_installs_the_wheel(git_source, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(git_source), str(clone)], check=True, capture_output=True)
    env = _venv_env(tmp_path)
    r = _bash(_snippet("wheel"), clone, env)
    _skip_without_index(r)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    version = _bash("orderlint --version", tmp_path, env)
    assert version.stdout == f"orderlint {_version()}\n"
    where = _bash("python -c 'import orderlint; print(orderlint.__file__)'", tmp_path, env)
    assert where.stdout.startswith(env["VIRTUAL_ENV"]), "installed from the wheel, not from the clone"


# ----------------------------------------------------------------------------- pre-commit


@pytest.mark.slow
def test_pre_commit_snippet_as_an_order_set_repositorys_configuration(git_source, tmp_path):
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    config = _snippet("pre-commit")
    (url,) = {r["repo"] for r in yaml.safe_load(config)["repos"]}
    repo = tmp_path / "orders"
    (repo / "protocols").mkdir(parents=True)
    shutil.copy(EXAMPLES / "protocols" / "mmf-start.yaml", repo / "protocols" / "mmf.yaml")
    (repo / ".pre-commit-config.yaml").write_text(config.replace(url, str(git_source)))
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "orderlint.yml").write_text(_snippet("github-workflow"))
    (repo / ".gitlab-ci.yml").write_text(_snippet("gitlab-ci"))
    env = {k: v for k, v in os.environ.items() if k != "ORDERLINT_NO_CONFIG"}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pc-cache")

    def run() -> subprocess.CompletedProcess:
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True, capture_output=True)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, capture_output=True)
        return subprocess.run([pre_commit, "run", "--all-files"], cwd=repo, env=env, capture_output=True, text=True, timeout=900)

    r = run()
    _skip_without_index(r)
    # The configuration and CI files are not linted; the clean protocol passes.
    assert r.returncode == 0, r.stdout + r.stderr
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction.yaml", repo / "protocols" / "cyc.yaml")
    r = run()
    assert r.returncode == 1 and "ILD301" in r.stdout and "OL001" not in r.stdout, r.stdout + r.stderr


# ----------------------------------------------------------------------------- CI


def _run_steps(commands: list[str], tmp_path: Path) -> Path:
    """The snippet's orderlint commands, as written, in a repository holding protocols/."""
    work = tmp_path / "ci"
    shutil.copytree(EXAMPLES / "protocols", work / "protocols")
    env = dict(os.environ, ORDERLINT_NO_CONFIG="1", PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    ran = 0
    for cmd in commands:
        if not cmd.startswith("orderlint "):
            continue
        r = subprocess.run(shlex.split(cmd), cwd=work, env=env, capture_output=True, text=True, timeout=300)
        # The examples are unsafe on purpose: exit 1, a report, never a usage error.
        assert r.returncode == 1, (cmd, r.stderr)
        ran += 1
    assert ran, "the snippet runs orderlint"
    return work


def _install_lines(commands: list[str]) -> list[str]:
    return [c for c in commands if c.startswith("pip install")]


def test_github_workflow_snippet(tmp_path):
    import jsonschema

    wf = yaml.safe_load(_snippet("github-workflow"))
    assert wf["name"] and wf[True if True in wf else "on"]  # PyYAML reads the key `on` as True
    (job,) = wf["jobs"].values()
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/checkout@") for u in uses)
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload.get("if") == "always()", "the SARIF is uploaded when findings fail the step"
    perms = {**wf.get("permissions", {}), **job.get("permissions", {})}
    assert perms.get("security-events") == "write", "code scanning uploads need security-events: write"
    commands = [s["run"].strip() for s in steps if "run" in s]
    assert len(_install_lines(commands)) == 1 and _tag() in _install_lines(commands)[0]
    work = _run_steps(commands, tmp_path)
    sarif = json.loads((work / upload["with"]["sarif_file"]).read_text())
    assert any(r["ruleId"] == "ILD301" for r in sarif["runs"][0]["results"])
    schema_path = SHARED / "schemas" / "sarif-schema-2.1.0.json"
    if not schema_path.is_file():
        pytest.skip(f"SARIF schema not found at {schema_path} (the shared reference folder is not checked out)")
    jsonschema.Draft7Validator(json.loads(schema_path.read_text())).validate(sarif)


def test_gitlab_ci_snippet(tmp_path):
    jobs = yaml.safe_load(_snippet("gitlab-ci"))
    (job,) = jobs.values()
    commands = [c.strip() for c in job["script"]]
    assert len(_install_lines(commands)) == 1 and _tag() in _install_lines(commands)[0]
    work = _run_steps(commands, tmp_path)
    report = job["artifacts"]["reports"]["junit"]
    assert job["artifacts"].get("when") == "always", "the report is kept when findings fail the job"
    root = ET.parse(work / report).getroot()
    assert root.tag in ("testsuites", "testsuite") and "ILD301" in ET.tostring(root, encoding="unicode")


@pytest.mark.slow
def test_ci_install_line_installs_the_release_archive(git_source, tmp_path):
    """The CI snippets' `pip install` of the release archive, with the address replaced by a local
    archive of the tagged source (what GitHub serves at /archive/refs/tags/<tag>.tar.gz)."""
    (line,) = _install_lines([c.strip() for c in yaml.safe_load(_snippet("gitlab-ci")).popitem()[1]["script"]])
    (url,) = re.findall(r"https://\S+?\.tar\.gz", line)
    assert url.endswith(f"/archive/refs/tags/{_tag()}.tar.gz"), url
    archive = tmp_path / f"{_tag()}.tar.gz"
    subprocess.run(["git", "archive", "--format=tar.gz", f"--prefix=orderlint-{_version()}/", "-o", str(archive), _tag()],
                   cwd=git_source, check=True)
    env = _venv_env(tmp_path)
    r = _bash(line.replace(url, str(archive)), tmp_path, env)
    _skip_without_index(r)
    assert r.returncode == 0, r.stderr[-3000:]
    assert _bash("orderlint --version", tmp_path, env).stdout == f"orderlint {_version()}\n"


# ----------------------------------------------------------------------------- container


def test_docker_snippet_builds_this_dockerfile_and_runs_orderlint():
    """Run by tests/test_everyday_install.py where a container engine answers; here its shape."""
    lines = [x.strip() for x in _snippet("docker").splitlines() if x.strip() and not x.strip().startswith("#")]
    builds = [x for x in lines if x.startswith("docker build")]
    runs = [x for x in lines if x.startswith("docker run")]
    assert builds and runs
    tag = shlex.split(builds[0])[shlex.split(builds[0]).index("-t") + 1]
    assert shlex.split(builds[0])[-1] == "." and (ROOT / "Dockerfile").is_file()
    assert all(tag in shlex.split(r) for r in runs) and any(" check" in r for r in runs)


def test_the_readme_shows_the_summary_line_the_examples_give(monkeypatch):
    # The quick start quotes the summary line of `orderlint check examples/` in a clone (whose
    # pyproject.toml leaves the example plugin's case files out): it is what a new user compares
    # against, so it is the one the examples give today.
    from conftest import ROOT, run_cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = re.findall(r"^([\d,]+ documents, [\d,]+ checked.*)$", readme, re.M)
    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)
    monkeypatch.chdir(ROOT)
    r = run_cli("check", "examples/")
    assert r.exit_code == 1
    assert quoted and quoted[0] == r.stdout.strip().splitlines()[-1]

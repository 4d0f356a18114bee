"""Installation as written (issue 16 item 1; interfaces.md, Everyday use): the wheel and the sdist
build offline and pass `twine check`; the wheel installs into a fresh virtual environment and
works there without the source tree; the Dockerfile builds an image whose entry point is
orderlint, run on examples/ wherever a container engine answers."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.slow

# What a build reads; a copy keeps build/ and *.egg-info out of the work tree others use.
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "venv", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
                                     ".mypy_cache", "build", "dist", "benchmarks", "fuzz")


def _version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src") / "orderlint"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE)
    return src


@pytest.fixture(scope="module")
def dists(source, tmp_path_factory) -> dict[str, Path]:
    """The wheel and the sdist, built offline (no build isolation: the test environment's setuptools)."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is needed to build offline (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("dist")
    # cwd elsewhere: a build/ folder in the working directory must not shadow the `build` package.
    if _has_build():
        r = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(out), str(source)],
                           capture_output=True, text=True, timeout=600, cwd=out)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    else:
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(source)],
                           capture_output=True, text=True, timeout=600, cwd=out)
        assert r.returncode == 0, r.stderr[-3000:]
    found = {"wheel": list(out.glob("orderlint-*.whl")), "sdist": list(out.glob("orderlint-*.tar.gz"))}
    assert len(found["wheel"]) == 1
    return {k: v[0] for k, v in found.items() if v}


def _has_build() -> bool:
    r = subprocess.run([sys.executable, "-c", "import build, build.__main__"], capture_output=True, cwd="/")
    return r.returncode == 0


def test_wheel_and_sdist_build_offline_and_pass_twine_check(dists):
    assert dists["wheel"].name == f"orderlint-{_version()}-py3-none-any.whl"
    if "sdist" not in dists:
        pytest.skip("the sdist needs the 'build' package (pip install build); the wheel was built with pip")
    assert dists["sdist"].name == f"orderlint-{_version()}.tar.gz"
    if importlib.util.find_spec("twine") is None:
        pytest.skip("twine is not installed (pip install twine)")
    r = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(dists["wheel"]), str(dists["sdist"])],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("PASSED") == 2, r.stdout


def test_sdist_holds_what_a_build_from_it_needs(dists):
    import tarfile

    if "sdist" not in dists:
        pytest.skip("the sdist needs the 'build' package (pip install build)")
    names = {n.split("/", 1)[1] for n in tarfile.open(dists["sdist"]).getnames() if "/" in n}
    for needed in ("pyproject.toml", "README.md", "orderlint/cli.py", "schemas/regimen.schema.json",
                   "checks/orderlint_ssc/vocabulary.json", "orderlint/fhir/valuesets.json"):
        assert needed in names, needed


def _fresh_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin"


def test_the_wheel_installs_into_a_fresh_venv_and_works_without_the_source_tree(dists, tmp_path):
    bin_dir = _fresh_venv(tmp_path / "venv")
    # The dependencies come from the package index as for any user (pip's own configuration).
    r = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(dists["wheel"])],
                       capture_output=True, text=True, timeout=900, cwd=tmp_path)
    if r.returncode != 0 and ("Could not find a version" in r.stderr or "NewConnectionError" in r.stderr
                              or "No matching distribution" in r.stderr):
        pytest.skip(f"the dependencies cannot be installed here (no package index): {r.stderr.strip().splitlines()[-1]}")
    assert r.returncode == 0, r.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction.yaml", work / "cyc.yaml")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["ORDERLINT_NO_CONFIG"] = "1"
    exe = str(bin_dir / "orderlint")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, cwd=work, env=env, timeout=120)
    assert version.returncode == 0 and version.stdout == f"orderlint {_version()}\n", version.stderr
    r = subprocess.run([exe, "check", "cyc.yaml", "--format", "json"], capture_output=True, cwd=work, env=env, timeout=120)
    assert r.returncode == 1, r.stderr
    assert [f["code"] for f in json.loads(r.stdout)["results"][0]["findings"]] == ["ILD301"]
    where = subprocess.run([str(bin_dir / "python"), "-c", "import orderlint, orderlint_ssc; print(orderlint.__file__); print(orderlint_ssc.__file__)"],
                           capture_output=True, text=True, cwd=work, env=env)
    assert all(line.startswith(str(tmp_path / "venv")) for line in where.stdout.splitlines()), where.stdout
    rules = subprocess.run([exe, "rules", "--format", "json"], capture_output=True, cwd=work, env=env, timeout=120)
    assert any(x["code"] == "ILD301" for x in json.loads(rules.stdout))


# ----------------------------------------------------------------------------- container image


def _engine() -> str:
    """A container engine that answers, or pytest.skip with the reason."""
    reason = "no container engine (docker or podman) is installed"
    for name in ("docker", "podman"):
        exe = shutil.which(name)
        if exe is None:
            continue
        try:
            r = subprocess.run([exe, "info"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            pytest.skip(f"{name} does not answer: {e}")
        if r.returncode == 0:
            return exe
        last = (r.stderr.strip().splitlines() or ["no output"])[-1]
        reason = f"{name} is installed but its engine does not answer: {last}"
    pytest.skip(reason)


def test_dockerfile_installs_from_the_build_context_with_orderlint_as_entry_point():
    text = (ROOT / "Dockerfile").read_text()
    lines = [x.strip() for x in text.splitlines() if x.strip() and not x.lstrip().startswith("#")]
    assert lines[0].startswith("FROM python:3.11-slim")
    assert 'ENTRYPOINT ["orderlint"]' in lines
    assert any(x.startswith("COPY . ") for x in lines), "the project comes from the build context"
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".git" in ignored and ".venv" in ignored


def test_the_image_builds_and_lints_the_examples(source, tmp_path):
    engine = _engine()
    tag = f"orderlint-test:{os.getpid()}"
    r = subprocess.run([engine, "build", "-q", "-t", tag, str(source)], capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    try:
        version = subprocess.run([engine, "run", "--rm", tag, "--version"], capture_output=True, text=True, timeout=300)
        assert version.stdout == f"orderlint {_version()}\n", version.stderr
        r = subprocess.run([engine, "run", "--rm", "-e", "ORDERLINT_NO_CONFIG=1", "-v", f"{EXAMPLES}:/work:ro", tag, "check", "."],
                           capture_output=True, timeout=600)
        local = subprocess.run([str(Path(sys.executable).with_name("orderlint")), "check", "."], capture_output=True,
                               cwd=EXAMPLES, env=dict(os.environ, ORDERLINT_NO_CONFIG="1"), timeout=600)
        assert r.returncode == local.returncode == 1, r.stderr
        assert r.stdout == local.stdout
    finally:
        subprocess.run([engine, "rmi", "-f", tag], capture_output=True, timeout=300)

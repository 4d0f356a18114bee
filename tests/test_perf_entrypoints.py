"""The engine's entry-point reader finds exactly what importlib.metadata finds: installed packs
(dist-info), editable and development installs (egg-info in a folder on sys.path), the first
distribution of a name winning, and anything it does not read itself handed to importlib.metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from orderlint import _entry

ROOT = Path(__file__).resolve().parent.parent

COMPARE = """
import json, sys
import importlib.metadata as m
from orderlint._entry import entry_points
out = {}
for g in sys.argv[1:]:
    mine = sorted((e.name, e.value, e.dist.name, e.dist.version) for e in entry_points(g))
    theirs = sorted((e.name, e.value, e.dist.name, e.dist.version) for e in m.entry_points(group=g))
    out[g] = [mine, theirs]
print(json.dumps(out))
"""


def compare(path_entries: list[Path], *groups: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in path_entries))
    r = subprocess.run([sys.executable, "-c", COMPARE, *groups], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def dist(site: Path, folder: str, name: str, version: str, entries: str, meta: str = "METADATA") -> None:
    d = site / folder
    d.mkdir(parents=True)
    (d / meta).write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nbody: no\n")
    (d / "entry_points.txt").write_text(entries)


def test_the_same_entry_points_as_importlib_metadata(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    dist(a, "pack_one-1.0.dist-info", "pack-one", "1.0", "[orderlint]\none = one_mod\n two=two_mod:obj.attr [extra]\n# c\n[other]\nx = y\n")
    dist(a, "Pack.Two-2.0.dist-info", "Pack.Two", "2.0", "[console_scripts]\nt = t:main\n[ orderlint ]\nthree = not_this_group\n")
    dist(b, "pack_one-9.0.dist-info", "pack-one", "9.0", "[orderlint]\nshadowed = nope\n")  # a later copy: ignored
    dist(b, "legacy.egg-info", "legacy", "0.3", "[orderlint]\nlegacy = legacy_mod\n", meta="PKG-INFO")
    (b / "nometa-1.0.dist-info").mkdir()
    # A third-party pack as pip installs it (the example plugin's own metadata is only there once it
    # has been built, which a fresh clone has not: its install is tested in tests/test_plugins.py).
    dist(a, "orderlint_example_plugin-0.1.0.dist-info", "orderlint-example-plugin", "0.1.0",
         "[orderlint]\nsite-example = orderlint_example_plugin.plugin\n")
    out = compare([a, b], "orderlint", "console_scripts", "other", "pytest11")
    for group, (mine, theirs) in out.items():
        assert mine == theirs, group
    names = [e[0] for e in out["orderlint"][0]]
    assert {"one", "two", "legacy", "ssc-ild"} <= set(names) and "shadowed" not in names
    assert any(e[2] == "orderlint-example-plugin" or "example" in e[2] for e in out["orderlint"][0])


def test_a_zip_on_sys_path_is_read_by_importlib_metadata(tmp_path: Path, monkeypatch) -> None:
    z = tmp_path / "packs.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\nVersion: 1.0\n")
        f.writestr("zipped-1.0.dist-info/entry_points.txt", "[orderlint]\nzipped = zipped_mod\n")
    out = compare([z], "orderlint")
    mine, theirs = out["orderlint"]
    assert mine == theirs and ["zipped", "zipped_mod", "zipped", "1.0"] in mine


def test_entry_points_load_as_importlib_loads_them(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "ep_mod_x.py").write_text("class A:\n    class B:\n        value = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = _entry.EntryPoint("x", "ep_mod_x:A.B [extra]", "orderlint", None)
    assert ep.load().value == 7
    assert _entry.EntryPoint("m", "ep_mod_x", "orderlint", None).load().__name__ == "ep_mod_x"


def test_the_built_in_pack_is_found_with_its_distribution() -> None:
    eps = _entry.entry_points("orderlint")
    builtin = [e for e in eps if e.name == "ssc-ild"]
    assert len(builtin) == 1 and builtin[0].dist.name == "orderlint"


def test_reading_entry_points_does_not_import_importlib_metadata() -> None:
    code = ("import sys; from orderlint._entry import entry_points; eps = entry_points('orderlint'); "
            "import pluggy; print(len(eps), 'importlib.metadata' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["1", "False"]

"""graphtorch.hub: local hubconf entrypoints, the cache dir, file:// checkpoints."""
from __future__ import annotations

import hashlib
import textwrap

import pytest

import graphtorch as gt
from graphtorch import hub
from graphtorch.serialization import save

HUBCONF = textwrap.dedent('''
    dependencies = ["numpy"]
    from helper_mod import WIDTH
    import graphtorch

    def tiny(out=2, scale=1.0):
        """A tiny linear model."""
        m = graphtorch.nn.Linear(WIDTH, out)
        m.scale = scale
        return m

    def _private():
        pass
''')


@pytest.fixture
def repo(tmp_path):
    d = tmp_path / "repo"
    d.mkdir()
    (d / "hubconf.py").write_text(HUBCONF)
    (d / "helper_mod.py").write_text("WIDTH = 3\n")
    return d


def test_local_load_list_help(repo):
    m = hub.load(str(repo), "tiny", 4, source="local", scale=0.5)
    assert isinstance(m, gt.nn.Linear) and m.weight.shape == (4, 3) and m.scale == 0.5
    assert hub.list(str(repo)) == ["tiny"]
    assert hub.help(str(repo), "tiny") == "A tiny linear model."
    with pytest.raises(RuntimeError, match="Cannot find callable nope"):
        hub.load(str(repo), "nope", source="local")


def test_missing_dependencies(repo):
    (repo / "hubconf.py").write_text("dependencies = ['no_such_pkg_xyz']\ndef f():\n  return 1\n")
    with pytest.raises(RuntimeError, match="Missing dependencies: no_such_pkg_xyz"):
        hub.load(str(repo), "f", source="local")


def test_github_and_bad_source_raise():
    with pytest.raises(RuntimeError, match="no network"):
        hub.load("pytorch/vision", "resnet18")
    with pytest.raises(ValueError, match="Unknown source"):
        hub.load("x", "y", source="ftp")


def test_dirs(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert hub.get_dir() == str(tmp_path / "th" / "hub")
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == str(tmp_path / "xdg" / "graphtorch" / "hub")
    hub.set_dir(tmp_path / "mine")
    assert hub.get_dir() == str(tmp_path / "mine")


def test_load_state_dict_from_url(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", str(tmp_path / "hubdir"))
    sd = gt.nn.Linear(2, 2).state_dict()
    path = tmp_path / "w.pt"
    save(sd, path)
    loaded = hub.load_state_dict_from_url(path.as_uri(), weights_only=True)
    assert list(loaded) == ["weight", "bias"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    named = tmp_path / f"w-{digest}.pt"
    named.write_bytes(path.read_bytes())
    assert "bias" in hub.load_state_dict_from_url(named.as_uri(), check_hash=True)
    bad = tmp_path / "w-deadbeef.pt"
    bad.write_bytes(path.read_bytes())
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(bad.as_uri(), check_hash=True)
    with pytest.raises(RuntimeError, match="no network"):
        hub.load_state_dict_from_url("https://example.com/x.pt")
    cache = tmp_path / "hubdir" / "checkpoints"
    cache.mkdir(parents=True)
    (cache / "x.pt").write_bytes(path.read_bytes())  # already cached: no download needed
    assert "weight" in hub.load_state_dict_from_url("https://example.com/x.pt")
    hub.download_url_to_file(path.as_uri(), str(tmp_path / "copy.pt"))
    assert (tmp_path / "copy.pt").read_bytes() == path.read_bytes()

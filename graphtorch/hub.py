"""torch.hub for graphtorch: entrypoints from a local directory's ``hubconf.py``, the hub cache
directory, and checkpoints from ``file://`` URLs or the cache.

There is no network access: ``source='github'`` and remote URLs raise a RuntimeError that says
how to proceed (clone the repository and use ``source='local'``, or put the file in the cache).
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import uuid
from urllib.parse import unquote, urlparse

__all__ = ["load", "list", "help", "get_dir", "set_dir", "load_state_dict_from_url",
           "download_url_to_file"]

MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_hub_dir: str | None = None


def _home() -> str:
    env = os.getenv("TORCH_HOME")
    if env:
        return os.path.expanduser(env)
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return os.path.expanduser(os.path.join(cache, "graphtorch"))


def get_dir() -> str:
    """The hub cache directory: set_dir's value, else ``$TORCH_HOME/hub``, else
    ``$XDG_CACHE_HOME/graphtorch/hub`` (``~/.cache/graphtorch/hub``)."""
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_home(), "hub")


def set_dir(d) -> None:
    """Use ``d`` as the hub cache directory."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def _no_network(what: str) -> RuntimeError:
    return RuntimeError(f"graphtorch.hub cannot fetch {what}: there is no network access. Clone "
                        "the repository yourself and pass its directory with source='local'.")


@contextlib.contextmanager
def _sys_path(path: str):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_hubconf(repo_dir: str):
    path = os.path.join(repo_dir, MODULE_HUBCONF)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} does not exist: a hub repository needs a hubconf.py")
    spec = importlib.util.spec_from_file_location("hubconf", path)
    module = importlib.util.module_from_spec(spec)
    with _sys_path(repo_dir):
        spec.loader.exec_module(module)
    missing = [d for d in getattr(module, VAR_DEPENDENCY, None) or []
               if importlib.util.find_spec(d) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    return module


def _resolve_source(repo_or_dir: str, source) -> str:
    source = source.lower() if isinstance(source, str) else source
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        raise _no_network(f"the GitHub repository {repo_or_dir!r}")
    return os.fspath(repo_or_dir)


def _entry(module, model):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    func = getattr(module, model, None)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def load(repo_or_dir, model, *args, source="github", trust_repo=None, force_reload=False,
         verbose=True, skip_validation=False, **kwargs):
    """Call entrypoint ``model`` of ``repo_or_dir``'s hubconf.py with ``*args, **kwargs``.

    Args:
        repo_or_dir: a local directory holding hubconf.py (with ``source='local'``).
        model: the entrypoint's name.
        source: 'local' (a directory) or 'github' (not available: no network).
    """
    repo_dir = _resolve_source(repo_or_dir, source)
    with _sys_path(repo_dir):
        return _entry(_import_hubconf(repo_dir), model)(*args, **kwargs)


def list(repo_or_dir, force_reload=False, skip_validation=False, trust_repo=None,  # noqa: A001
         verbose=True, source=None):
    """Names of the entrypoints of ``repo_or_dir``'s hubconf.py (callables not starting with
    ``_``); ``source`` defaults to 'local' for an existing directory."""
    source = source or ("local" if os.path.isdir(os.fspath(repo_or_dir)) else "github")
    module = _import_hubconf(_resolve_source(repo_or_dir, source))
    return [name for name in dir(module)
            if callable(getattr(module, name)) and not name.startswith("_")]


def help(repo_or_dir, model, force_reload=False, skip_validation=False,  # noqa: A001
         trust_repo=None, source=None):
    """The docstring of entrypoint ``model``."""
    source = source or ("local" if os.path.isdir(os.fspath(repo_or_dir)) else "github")
    module = _import_hubconf(_resolve_source(repo_or_dir, source))
    return _entry(module, model).__doc__


def _local_path(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    if parsed.scheme == "" and os.path.exists(url):
        return url
    return None


def _check_hash(path: str, hash_prefix: str) -> None:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    if not digest.hexdigest().startswith(hash_prefix):
        raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got '
                           f'"{digest.hexdigest()}")')


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None,
                         progress: bool = True) -> None:
    """Copy the object at ``url`` (``file://`` only: no network) to ``dst`` atomically."""
    src = _local_path(url)
    if src is None:
        raise _no_network(f"the URL {url!r}")
    if hash_prefix is not None:
        _check_hash(src, hash_prefix)
    dst = os.path.expanduser(dst)
    tmp = f"{dst}.{uuid.uuid4().hex}.partial"
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None,
                             progress: bool = True, check_hash: bool = False,
                             file_name: str | None = None, weights_only: bool = False):
    """Load the checkpoint at ``url``: a ``file://`` URL (or a local path), or a file already in
    ``model_dir`` (default ``<hub dir>/checkpoints``) under the URL's file name."""
    from .serialization import load as _load
    model_dir = model_dir or os.path.join(get_dir(), "checkpoints")
    name = file_name or os.path.basename(urlparse(url).path)
    cached = os.path.join(model_dir, name)
    path = cached if os.path.exists(cached) else _local_path(url)
    if path is None:
        raise _no_network(f"the URL {url!r} (and {cached} is not in the cache)")
    if check_hash:
        match = HASH_REGEX.search(name)
        if match:
            _check_hash(path, match.group(1))
    return _load(path, map_location=map_location, weights_only=weights_only)



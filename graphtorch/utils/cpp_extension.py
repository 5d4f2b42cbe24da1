"""torch.utils.cpp_extension: describing and building C++ extensions.

graphtorch is pure Python on numpy and has no C++ extension ABI (no ATen/libtorch headers or
libraries to link against).  The setuptools helpers still describe extensions the way
PyTorch's do, so ``setup.py`` files that declare ``CppExtension``/``BuildExtension`` keep
working for plain C++ code, while JIT compilation (``load``/``load_inline``) raises a clear
RuntimeError."""
from __future__ import annotations

import os
import shutil
import tempfile

from setuptools import Extension
from setuptools.command.build_ext import build_ext

__all__ = ["BuildExtension", "CppExtension", "CUDAExtension", "CUDA_HOME", "ROCM_HOME",
           "get_default_build_root", "include_paths", "is_ninja_available", "library_paths",
           "load", "load_inline", "verify_ninja_availability"]

CUDA_HOME = None  # graphtorch's CUDA support goes through CuPy, not an nvcc toolchain
ROCM_HOME = None
SYCL_HOME = None

_NO_ABI = ("graphtorch has no C++ extension ABI: it is implemented in Python on numpy, so "
           "there are no ATen/libtorch headers or libraries to compile {what} against. Write "
           "the operator in Python (graphtorch.autograd.Function or an OpDef) instead.")


def include_paths(device_type: str = "cpu"):
    """The include directories an extension needs for graphtorch: none (no C++ headers)."""
    return []


def library_paths(device_type: str = "cpu"):
    """The library directories an extension links against for graphtorch: none."""
    return []


def _extension(name, sources, args, kwargs, device_type):
    include_dirs = list(kwargs.get("include_dirs", []) or [])
    include_dirs += include_paths(device_type)
    kwargs["include_dirs"] = include_dirs
    kwargs["library_dirs"] = list(kwargs.get("library_dirs", []) or []) + \
        library_paths(device_type)
    kwargs["libraries"] = list(kwargs.get("libraries", []) or [])
    kwargs["language"] = "c++"
    return Extension(name, list(sources), *args, **kwargs)


def CppExtension(name, sources, *args, **kwargs):
    """A setuptools.Extension for C++ sources (language 'c++', list-valued include_dirs).

    Args:
        name (str): the full name of the extension module.
        sources (list of str): paths of the C++ source files.
        *args, **kwargs: passed on to setuptools.Extension.
    """
    return _extension(name, sources, args, kwargs, "cpu")


def CUDAExtension(name, sources, *args, **kwargs):
    """A setuptools.Extension for CUDA/C++ sources (same description as CppExtension).

    Building it needs a CUDA toolchain; graphtorch links no CUDA libraries."""
    return _extension(name, sources, args, kwargs, "cuda")


class BuildExtension(build_ext):
    """The setuptools ``build_ext`` command for C++ extensions.

    It builds plain C/C++ extensions with the default compiler; there is no graphtorch
    library to link against.  ``no_python_abi_suffix`` and ``use_ninja`` are accepted."""

    @classmethod
    def with_options(cls, **options):
        """A subclass whose constructor uses ``options`` as defaults."""
        class _WithOptions(cls):
            def __init__(self, *args, **kwargs):
                kwargs.update(options)
                super().__init__(*args, **kwargs)
        return _WithOptions

    def __init__(self, *args, **kwargs):
        self.no_python_abi_suffix = kwargs.pop("no_python_abi_suffix", False)
        self.use_ninja = kwargs.pop("use_ninja", False)
        super().__init__(*args, **kwargs)

    def get_ext_filename(self, ext_name):
        filename = super().get_ext_filename(ext_name)
        if self.no_python_abi_suffix:
            # "mod.cpython-312-x86_64-linux-gnu.so" -> "mod.so"
            parts = filename.split(".")
            filename = ".".join(parts[:-2] + parts[-1:]) if len(parts) > 2 else filename
        return filename


def load(name, sources, *args, **kwargs):
    """JIT-compile and load a C++ extension: not possible with graphtorch (RuntimeError)."""
    raise RuntimeError(_NO_ABI.format(what=f"extension {name!r}"))


def load_inline(name, cpp_sources, *args, **kwargs):
    """JIT-compile inline C++ source: not possible with graphtorch (RuntimeError)."""
    raise RuntimeError(_NO_ABI.format(what=f"inline extension {name!r}"))


def get_default_build_root() -> str:
    """The directory JIT-compiled extensions would be built in."""
    return os.path.realpath(os.path.join(tempfile.gettempdir(), "torch_extensions"))


def is_ninja_available() -> bool:
    """Whether the ninja build system is on PATH."""
    return shutil.which("ninja") is not None


def verify_ninja_availability() -> None:
    """Raise RuntimeError if ninja is not available."""
    if not is_ninja_available():
        raise RuntimeError("Ninja is required to load C++ extensions")

"""``GRAPHTORCH_PERF_MAP=1``: name the generated functions for Linux ``perf``.

JIT-compiled code has no symbols ``perf report`` can see: its samples show as bare
addresses.  perf reads ``/tmp/perf-<pid>.map`` ("<start> <size> <name>" lines, hex) for such
code, so with the switch on every object the engine links (each graph, and the GEMM kernel
library) appends its functions there: their offsets and sizes come from the object's ELF
symbol table, and each section is placed by a function whose address the linker returned.
``perf record python app.py; perf report --sort sym`` then lists ``gt_entry_...``, the
graph's kernels (``gt_k3``, ``gt_lstm5``, ...) and ``gt_sgemm_small_*``."""
from __future__ import annotations

import os
import struct

__all__ = ["enabled", "functions", "write", "path"]

_SHT_SYMTAB = 2
_STT_FUNC = 2


def enabled() -> bool:
    """Whether linked objects are written to the perf map (read per object: cheap)."""
    return os.environ.get("GRAPHTORCH_PERF_MAP") == "1"


def path() -> str:
    """The map perf reads for this process."""
    return f"/tmp/perf-{os.getpid()}.map"


def functions(obj: bytes):
    """``(offset, size, name, section)`` of every defined function symbol of a 64-bit
    little-endian ELF object ([] for anything else)."""
    if obj[:4] != b"\x7fELF" or obj[4] != 2 or obj[5] != 1:
        return []
    shoff = struct.unpack_from("<Q", obj, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    # (sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, ...)
    secs = [struct.unpack_from("<IIQQQQII", obj, shoff + i * shentsize) for i in range(shnum)]
    out = []
    for sec in secs:
        if sec[1] != _SHT_SYMTAB:
            continue
        strings = secs[sec[6]][4]
        for k in range(sec[5] // 24):
            name, info, _, shndx, value, size = struct.unpack_from("<IBBHQQ", obj,
                                                                  sec[4] + 24 * k)
            if info & 0xF != _STT_FUNC or shndx == 0:
                continue
            start = strings + name
            out.append((value, size, obj[start:obj.index(b"\0", start)].decode(), shndx))
    return out


def write(obj: bytes, addresses: dict) -> None:
    """Append the functions of a linked object to the perf map; ``addresses``: name ->
    address of the functions the linker was asked for (they place their sections)."""
    fns = functions(obj)
    base = {sec: addresses[name] - value for value, _, name, sec in fns if name in addresses}
    lines = [f"{base[sec] + value:x} {size:x} {name}\n"
             for value, size, name, sec in fns if sec in base and size]
    with open(path(), "a") as f:
        f.writelines(lines)

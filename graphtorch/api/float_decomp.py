"""torch.frexp (mantissa, exponent) as a return_types.frexp named tuple."""
from __future__ import annotations

from .. import return_types as RT
from ..eager.dispatch import call
from ..ops import registry as R
from ._bind import both


@both
def frexp(input, *, out=None):
    """Decompose ``input`` into ``mantissa`` in [0.5, 1) (same dtype) and an int32
    ``exponent`` with ``input == mantissa * 2 ** exponent``."""
    m, e = call(R.get("frexp"), input)
    if out is not None:
        from ._util import write_out
        write_out(m, out[0])
        write_out(e, out[1])
        return RT.frexp((out[0], out[1]))
    return RT.frexp((m, e))

"""graphtorch's IR: SSA graphs with typed values, symbolic sizes, If/Loop blocks and the user's
source lines; its text form, parser, verifier, interpreter and passes (``ir.passes``)."""
from .graph import Block, Graph, Node, Value  # noqa: F401
from .printer import print_graph  # noqa: F401
from .symbolic import Expr, SymInt  # noqa: F401
from .types import (ANY, BOOL, DEVICE, DTYPE, FLOAT, INT, NONE, STR, TENSOR,  # noqa: F401
                    ListType, OptionalType, ScalarType, TensorType, TupleType, Type,
                    parse_type)
from .parser import parse  # noqa: F401,E402

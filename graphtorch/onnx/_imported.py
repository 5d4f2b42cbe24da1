"""``load_model``: an ONNX model as a trainable graphtorch module.

Initializers become Parameters (floating point) or buffers (others), in submodules following
their dotted names, so ``named_parameters()`` gives back the names the model was exported
with.  The first call with a given input signature records the ONNX graph into an IR graph
(tracing the evaluator, sizes symbolic); every call runs that graph with the interpreter on
the current parameters, so gradients flow and an optimizer step is seen by the next call."""
from __future__ import annotations

import keyword
import re

from ..eager.tensor import Tensor
from ..nn.modules.module import Module
from ..nn.parameter import Parameter

__all__ = ["OnnxModule", "load_model"]


def _ident(part):
    s = re.sub(r"\W", "_", part) or "_"
    if s[0].isdigit() and not part.isdigit():
        s = "_" + s
    return s + "_" if keyword.iskeyword(s) else s


class OnnxModule(Module):
    """An imported ONNX model.  ``.graph`` is the IR graph of the last traced signature."""

    def __init__(self, model):
        super().__init__()
        from onnx import numpy_helper
        from .. import tensor
        from ..codegen.onnx.importer import Evaluator
        from ..codegen.onnx.importer_ops import Host
        d = self.__dict__
        d["_proto"] = model
        d["_ev"] = Evaluator(model)
        d["_compiled"] = {}
        d["_where"] = {}    # onnx initializer name -> (owner module, leaf name)
        d["_consts"] = {}   # small int64 initializers kept as host sizes
        for t in model.graph.initializer:
            arr = numpy_helper.to_array(t)
            val = d["_ev"].constant(arr)
            if isinstance(val, Host) and not t.name.count("."):
                d["_consts"][t.name] = val
                continue
            parts = [_ident(p) for p in t.name.split(".")]
            owner = self
            for p in parts[:-1]:
                if p not in owner._modules:
                    owner.add_module(p, Module())
                owner = owner._modules[p]
            leaf = parts[-1]
            data = tensor(arr.copy())
            if data.dtype.is_floating_point:
                owner.register_parameter(leaf, Parameter(data))
            else:
                owner.register_buffer(leaf, data)
            d["_where"][t.name] = (owner, leaf)
        inits = {t.name for t in model.graph.initializer}
        d["_inputs"] = [i.name for i in model.graph.input if i.name not in inits]
        d["_run"] = self._make_run()

    def _make_run(self):
        """A function with the ONNX input names as parameters (names the traced inputs)."""
        names = [_ident(n) for n in self._inputs]
        seen, params = set(), []
        for n in names:
            while n in seen:
                n += "_"
            seen.add(n)
            params.append(n)
        args = ", ".join(params) + ("," if len(params) == 1 else "")
        src = f"def run({', '.join(params)}):\n    return _eval(({args}))\n"
        ns = {"_eval": self._evaluate}
        exec(compile(src, "<onnx model>", "exec"), ns)
        return ns["run"]

    def _evaluate(self, xs):
        env = dict(self._consts)
        for name, (owner, leaf) in self._where.items():
            t = owner._parameters.get(leaf)
            env[name] = t if t is not None else owner._buffers[leaf]
        env.update(zip(self._inputs, xs))
        outs = self._ev.run(env)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def forward(self, *inputs):
        from ..jit._module import _Compiled, run_trace
        from ..jit._record import record
        key = tuple((x.dtype, x.dim()) if isinstance(x, Tensor) else type(x) for x in inputs)
        comp = self._compiled.get(key)
        if comp is None:
            tr, _ = record(self._run, inputs, {}, self)
            comp = self._compiled[key] = _Compiled(tr)
            self.__dict__["_last"] = comp
        state = dict(self.named_parameters())
        state.update(dict(self.named_buffers()))
        return run_trace(comp, tuple(inputs), [state[n] for n in comp.trace.state],
                         what="imported ONNX model")

    def _export_trace(self, args, kwargs):
        from ..jit._record import record
        tr, _ = record(self._run, tuple(args), dict(kwargs or {}), self)
        return tr

    @property
    def graph(self):
        comp = self.__dict__.get("_last")
        if comp is None:
            raise RuntimeError("the imported model has not run yet: call it once first")
        return comp.trace.graph

    @property
    def model_proto(self):
        return self._proto

    def extra_repr(self):
        return f"inputs={self._inputs}, opset={self._ev.opset}"


def load_model(f):
    """Load an ONNX model (path, bytes or ModelProto) as a trainable ``OnnxModule``."""
    from ..codegen.onnx.importer import load_proto
    return OnnxModule(load_proto(f))

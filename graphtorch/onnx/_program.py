"""``ONNXProgram``: an exported model (``.model_proto``), saving, running and verification."""
from __future__ import annotations

import os

import numpy as np

__all__ = ["ONNXProgram"]

_TWO_GB = 2 * 1024 ** 3 - 1024 ** 2  # protobuf's limit, with room for the graph itself


class ONNXProgram:
    """The result of ``export``: ``model_proto`` (an onnx.ModelProto), ``save(path)``, and
    calling it runs ONNX Runtime on graphtorch tensors."""

    def __init__(self, model_proto, graph=None, n_user=None, dynamic=None):
        self.model_proto = model_proto
        self.graph = graph            # the IR graph that was exported (for verification)
        self._n_user = n_user
        self._dynamic = dynamic or {}  # axis name -> [(input index, dim)]
        self._session = None
        self.report = None

    def __repr__(self):
        g = self.model_proto.graph
        return (f"ONNXProgram(inputs={[i.name for i in g.input]}, "
                f"outputs={[o.name for o in g.output]}, nodes={len(g.node)}, "
                f"opset={self.model_proto.opset_import[0].version})")

    # ----------------------------------------------------------------- saving
    def save(self, destination, *, include_initializers=True, keep_initializers_as_inputs=False,
             external_data=None):
        """Write the model to ``destination`` atomically.  Weights go to an external
        ``<name>.data`` file when ``external_data`` is True, or (None, the default) when the
        model would exceed protobuf's 2 GB limit."""
        import onnx
        from ._export import atomic_write
        model = self.model_proto
        if not include_initializers:
            model = onnx.ModelProto()
            model.CopyFrom(self.model_proto)
            del model.graph.initializer[:]
        size = sum(len(t.raw_data) for t in model.graph.initializer) + 65536
        external = external_data if external_data is not None else size > _TWO_GB
        if external_data is True and size <= _TWO_GB:
            external = False  # torch's default external_data=True only splits large models
        if not external:
            atomic_write(destination, lambda tmp: onnx.save_model(model, tmp))
            return
        base = os.path.basename(os.fspath(destination)) + ".data"
        data_path = os.path.join(os.path.dirname(os.path.abspath(destination)), base)
        copy = onnx.ModelProto()
        copy.CopyFrom(model)

        def write(tmp):
            onnx.save_model(copy, tmp, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=os.path.basename(tmp) + ".data", size_threshold=0)
            os.replace(tmp + ".data", data_path)
            # point the saved model at the final data file name
            m = onnx.load_model(tmp, load_external_data=False)
            for t in m.graph.initializer:
                for e in t.external_data:
                    if e.key == "location":
                        e.value = base
            onnx.save_model(m, tmp)
        atomic_write(destination, write)

    # ----------------------------------------------------------------- running
    def _sess(self):
        if self._session is None:
            from ..codegen.onnx.runtime import session
            self._session = session(self.model_proto)
        return self._session

    def __call__(self, *args):
        """Run the model in ONNX Runtime; returns graphtorch tensors."""
        from .. import tensor
        sess = self._sess()
        feeds = {i.name: np.asarray(a.detach().numpy() if hasattr(a, "detach") else a)
                 for i, a in zip(sess.get_inputs(), args)}
        outs = sess.run(None, feeds)
        return [tensor(o) for o in outs]

    def release(self):
        self._session = None

    def verify(self, inputs, raise_error=True, rtol=None, atol=None):
        """Run ONNX Runtime and the interpreter on ``inputs`` and, for each dynamic axis, on
        the inputs resized along it (one larger); returns the per-output report (max abs/rel
        error; ``at`` names the resized axis) and raises VerificationError above tolerance."""
        from ..codegen.onnx.runtime import VerificationError
        inputs = list(inputs)
        report = self._compare(inputs, rtol, atol)
        for axis, dims in self._dynamic.items():
            resized = _resize(inputs, dims)
            try:
                more = self._compare(resized, rtol, atol)
            except RuntimeError as e:  # graphtorch itself rejects this size (a size check)
                more = [{"name": "*", "ok": True, "skipped": str(e).splitlines()[0]}]
            for r in more:
                r["at"] = f"{axis}={resized[dims[0][0]].shape[dims[0][1]]}"
            report += more
        self.report = report
        bad = [r for r in report if not r["ok"]]
        if bad and raise_error:
            lines = "; ".join(f"{r['name']}" + (f" (at {r['at']})" if "at" in r else "") +
                              f": max abs error {r['max_abs']:.3g}, max rel error "
                              f"{r['max_rel']:.3g}" + (f" ({r['why']})" if "why" in r else "")
                              for r in bad)
            raise VerificationError(f"ONNX Runtime differs from graphtorch: {lines}")
        return report

    def _compare(self, inputs, rtol, atol):
        from ..codegen.onnx.runtime import compare
        from ..ir.interpreter import Interpreter
        from ..eager.grad_mode import no_grad
        from onnx import numpy_helper
        from .. import tensor
        graph = self.graph
        user = graph.inputs[:self._n_user] if self._n_user is not None else graph.inputs
        inits = {t.name: t for t in self.model_proto.graph.initializer}
        state = [tensor(numpy_helper.to_array(inits[v.name])) if v.name in inits else None
                 for v in graph.inputs[len(user):]]
        with no_grad():
            want = Interpreter(graph).run(list(inputs) + state)
        want = [w.detach().numpy() if hasattr(w, "detach") else np.asarray(w) for w in want]
        got = [g.numpy() for g in self(*inputs)]
        names = [o.name for o in self.model_proto.graph.output]
        return compare(got, want, names, rtol, atol)


def _resize(inputs, dims):
    """``inputs`` with every (input, dim) of one dynamic axis one longer: the data repeats
    cyclically, so values stay in the example's domain (indices, masks stay valid)."""
    from .. import tensor
    out = list(inputs)
    for i, d in dims:
        a = out[i].detach().numpy()
        n = a.shape[d]
        if n == 0:
            continue
        out[i] = tensor(np.take(a, np.arange(n + 1) % n, axis=d))
    return out

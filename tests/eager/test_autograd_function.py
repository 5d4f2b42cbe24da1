"""torch.autograd.Function, once_differentiable, gradcheck/gradgradcheck, functional API and
torch.testing.assert_close."""
import numpy as np
import pytest

import graphtorch as torch
from graphtorch.autograd import Function, once_differentiable
from graphtorch.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp
from tests.helpers import T


def leaf(*vals, dtype=np.float64):
    return T(np.array(vals, dtype=dtype), requires_grad=True)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class BadCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x  # wrong on purpose


class Scale(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


class NewStyle(Function):
    @staticmethod
    def forward(a, b):
        return a * b

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return g * b, None


def test_function_forward_backward_and_grad_fn_name():
    x = leaf(1.0, 2.0)
    y = Cube.apply(x)
    assert type(y.grad_fn).__name__ == "CubeBackward" and y.grad_fn.name() == "CubeBackward"
    assert y.grad_fn.next_functions[0][0].variable is x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])


def test_function_non_tensor_args_and_ctx_attributes():
    x = leaf(1.0, 2.0)
    y = Scale.apply(x, 3)
    assert len(y.grad_fn.next_functions) == 1
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_new_style_setup_context():
    a, b = leaf(1.0, 2.0), T(np.array([3.0, 4.0]))
    NewStyle.apply(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 4.0])


def test_wrong_number_of_gradients():
    class Two(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    x = leaf(1.0)
    with pytest.raises(RuntimeError, match=r"function TwoBackward returned an incorrect number "
                                           r"of gradients \(expected 2, got 1\)"):
        Two.apply(x, x).sum().backward()


def test_grad_for_non_tensor_input_and_bad_shape():
    class B(Function):
        @staticmethod
        def forward(ctx, a, k):
            return a * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    class C(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return T(np.ones(2))

    x = leaf(1.0, 2.0, 3.0)
    with pytest.raises(RuntimeError, match="different than None at position 2"):
        B.apply(x, 3).sum().backward()
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[2\] but "
                                           r"expected shape compatible with \[3\]"):
        C.apply(x).sum().backward()


def test_saved_tensors_freed_and_version_check():
    x = leaf(1.0, 2.0)
    y = Cube.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        y.grad_fn.saved_tensors
    z = x * 1
    y = Cube.apply(z)
    with torch.no_grad():
        z.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        y.sum().backward()


def test_mark_dirty_and_leaf_error():
    class Double(Function):
        @staticmethod
        def forward(ctx, a):
            a.mul_(2)
            ctx.mark_dirty(a)
            return a

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = leaf(1.0)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used"):
        Double.apply(x)
    z = x * 1
    out = Double.apply(z)
    assert out is z and type(z.grad_fn).__name__ == "DoubleBackward" and z._version == 2
    out.sum().backward()
    assert x.grad.tolist() == [2.0]


def test_mark_non_differentiable_and_materialize_grads():
    class Two(Function):
        @staticmethod
        def forward(ctx, a):
            idx = a * 0
            ctx.mark_non_differentiable(idx)
            ctx.set_materialize_grads(False)
            return a * 2, idx

        @staticmethod
        def backward(ctx, g, gi):
            assert gi is None
            return g * 2

    class Mat(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2.tolist() == [0.0]
            return g1 + g2

    x = leaf(1.0)
    y, i = Two.apply(x)
    assert not i.requires_grad and y.requires_grad
    assert torch.autograd.grad(y.sum(), x)[0].tolist() == [2.0]
    y1, _ = Mat.apply(x)
    assert torch.autograd.grad(y1.sum(), x)[0].tolist() == [1.0]


def test_returning_input_gives_a_view_and_non_tensor_outputs():
    class Id(Function):
        @staticmethod
        def forward(ctx, a):
            return a, 5

        @staticmethod
        def backward(ctx, g, _):
            return g

    x = leaf(1.0)
    y, k = Id.apply(x)
    assert y is not x and k == 5 and y._base is x and y.grad_fn is not None
    with torch.no_grad():
        y2, _ = Id.apply(x)
    assert not y2.requires_grad


def test_missing_forward_backward_and_instantiation():
    class NoB(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

    class NoF(Function):
        pass

    x = leaf(1.0)
    with pytest.raises(NotImplementedError, match="backward or vjp"):
        NoB.apply(x).sum().backward()
    with pytest.raises(NotImplementedError, match="implement the forward"):
        NoF.apply(x)
    with pytest.warns(DeprecationWarning):
        inst = Cube()
    with pytest.raises(RuntimeError, match="Legacy autograd function"):
        inst(x)


def test_double_backward_through_function_and_once_differentiable():
    x = leaf(2.0)
    (g,) = torch.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (gg,) = torch.autograd.grad(g.sum(), x)
    assert gg.tolist() == [12.0]

    class Once(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 2 * a

    y = Once.apply(x)
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    assert g.tolist() == [4.0] and not g.requires_grad
    go = T(np.array([1.0]), requires_grad=True)
    (g,) = torch.autograd.grad(Once.apply(x), x, go, create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked"):
        g.sum().backward()


def test_gradcheck_passes_and_fails():
    x = leaf(0.5, -1.5, 2.0)
    assert torch.autograd.gradcheck(Cube.apply, (x,))
    assert torch.autograd.gradgradcheck(Cube.apply, (x,))
    with pytest.raises(torch.autograd.GradcheckError, match="Jacobian mismatch"):
        torch.autograd.gradcheck(BadCube.apply, (x,))
    assert torch.autograd.gradcheck(BadCube.apply, (x,), raise_exception=False) is False

    class BadSecond(Function):  # right first derivative, wrong (constant) second one
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 3 * a.detach() * a.detach()

    assert torch.autograd.gradcheck(BadSecond.apply, (x,))
    assert not torch.autograd.gradgradcheck(BadSecond.apply, (x,), raise_exception=False)


def test_functional_jacobian_hessian_products():
    x = leaf(1.0, 2.0)

    def f(a):
        return a * a * a

    J = jacobian(f, x)
    np.testing.assert_allclose(J.numpy(), np.diag([3.0, 12.0]))
    assert not J.requires_grad
    H = hessian(lambda a: (a * a * a).sum(), x)
    np.testing.assert_allclose(H.numpy(), np.diag([6.0, 12.0]))
    v = T(np.array([1.0, 1.0]))
    out, vj = vjp(f, x, v)
    np.testing.assert_allclose(vj.numpy(), [3.0, 12.0])
    out, jv = jvp(f, x, v)
    np.testing.assert_allclose(jv.numpy(), [3.0, 12.0])
    _, hv = hvp(lambda a: (a * a * a).sum(), x, v)
    _, vh = vhp(lambda a: (a * a * a).sum(), x, v)
    np.testing.assert_allclose(hv.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(vh.numpy(), [6.0, 12.0])
    y = leaf(3.0)
    Jt = jacobian(lambda a, b: a * b, (x, y))
    np.testing.assert_allclose(Jt[0].numpy(), 3 * np.eye(2))
    np.testing.assert_allclose(Jt[1].numpy(), [[1.0], [2.0]])
    with pytest.raises(RuntimeError, match="independent of input"):
        jacobian(lambda a, b: a * 2, (x, y), strict=True)
    Jz = jacobian(lambda a, b: a * 2, (x, y))
    assert Jz[1].tolist() == [[0.0], [0.0]]


def test_assert_close_defaults_and_messages():
    ac = torch.testing.assert_close
    ac(T(np.array([1.0, 2.0], np.float32)), T(np.array([1.0, 2.000001], np.float32)))
    with pytest.raises(AssertionError) as e:
        ac(T(np.array([1.0, 2.0, 3.0], np.float32)), T(np.array([1.0, 2.5, 3.0], np.float32)))
    assert str(e.value) == ("Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
                            "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 "
                            "allowed)\nGreatest relative difference: 0.20000000298023224 at "
                            "index (1,) (up to 1.3e-06 allowed)")
    with pytest.raises(AssertionError, match="'dtype' do not match"):
        ac(T(np.ones(2, np.float32)), T(np.ones(2)))
    ac(T(np.ones(2, np.float32)), T(np.ones(2)), check_dtype=False)
    with pytest.raises(AssertionError, match="'shape' do not match"):
        ac(T(np.ones(2)), T(np.ones(3)))
    nan = T(np.array([np.nan]))
    with pytest.raises(AssertionError):
        ac(nan, nan)
    ac(nan, nan, equal_nan=True)
    with pytest.raises(ValueError, match="got no atol"):
        ac(nan, nan, rtol=1e-3)
    with pytest.raises(AssertionError, match="not equal!"):
        ac(T(np.array([1, 2])), T(np.array([1, 3])))
    with pytest.raises(AssertionError, match=r"failure occurred for item \[1\]"):
        ac([T(np.ones(1)), T(np.ones(1))], [T(np.ones(1)), T(np.zeros(1))])
    with pytest.raises(AssertionError, match="^custom$"):
        ac(T(np.ones(1)), T(np.zeros(1)), msg="custom")
    with pytest.raises(TypeError, match="No comparison pair"):
        ac(T(np.ones(1)), 1.0)
    with pytest.raises(AssertionError, match="Scalars are not close"):
        ac(1.0, 1.5)
    ac(T(np.ones(2)), T(np.ones(2) + 1e-3), rtol=0, atol=1e-2)

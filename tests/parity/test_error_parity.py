"""Bad input raises the exception type PyTorch raises, across op families (a sweep of common
mistakes, compared with torch 2.13 by exception type)."""
import warnings

import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402

CASES = [
    ("binary broadcast", lambda m: m.ones(3) - m.ones(4)),
    ("div broadcast", lambda m: m.ones(2, 3) / m.ones(4, 3)),
    ("compare broadcast", lambda m: m.ones(3) < m.ones(4)),
    ("where broadcast", lambda m: m.where(m.ones(3) > 0, m.ones(4), m.ones(3))),
    ("maximum broadcast", lambda m: m.maximum(m.ones(3), m.ones(4))),
    ("pow broadcast", lambda m: m.ones(3) ** m.ones(4)),
    ("inplace broadcast", lambda m: m.ones(3).add_(m.ones(2, 3))),
    ("sum bad dim", lambda m: m.ones(2, 3).sum(2)),
    ("mean int", lambda m: m.ones(3, dtype=m.int64).mean()),
    ("max empty", lambda m: m.ones(0).max()),
    ("softmax bad dim", lambda m: m.ones(2, 3).softmax(3)),
    ("view bad", lambda m: m.ones(2, 3).view(5)),
    ("reshape bad", lambda m: m.ones(2, 3).reshape(4, 2)),
    ("permute bad", lambda m: m.ones(2, 3).permute(0)),
    ("transpose bad", lambda m: m.ones(2, 3).transpose(0, 2)),
    ("expand bad", lambda m: m.ones(2, 3).expand(3, 3)),
    ("cat dim", lambda m: m.cat([m.ones(2, 3), m.ones(2, 3)], 2)),
    ("stack shapes", lambda m: m.stack([m.ones(2), m.ones(3)])),
    ("index out", lambda m: m.ones(2, 3)[:, 3]),
    ("index float", lambda m: m.ones(3)[m.tensor([0.5])]),
    ("gather dtype", lambda m: m.ones(3).gather(0, m.tensor([0.0]))),
    ("matmul 1d", lambda m: m.ones(3) @ m.ones(4)),
    ("mm dtype", lambda m: m.ones(2, 2) @ m.ones(2, 2, dtype=m.float64)),
    ("bmm rank", lambda m: m.bmm(m.ones(2, 2), m.ones(2, 2))),
    ("inv nonsquare", lambda m: m.linalg.inv(m.ones(2, 3))),
    ("item many", lambda m: m.ones(2).item()),
    ("bool many", lambda m: bool(m.ones(2))),
    ("neg bool", lambda m: -m.ones(2, dtype=m.bool)),
    ("bitwise float", lambda m: m.ones(2) | m.ones(2)),
    ("linear shape", lambda m: m.nn.functional.linear(m.ones(2, 3), m.ones(4, 5))),
    ("conv channels", lambda m: m.nn.functional.conv2d(m.ones(1, 3, 5, 5), m.ones(2, 4, 3, 3))),
    ("conv kernel too big", lambda m: m.nn.functional.conv2d(m.ones(1, 1, 2, 2), m.ones(1, 1, 3, 3))),
    ("maxpool too big", lambda m: m.nn.functional.max_pool2d(m.ones(1, 1, 2, 2), 3)),
    ("ce target range", lambda m: m.nn.functional.cross_entropy(m.ones(2, 3), m.tensor([0, 5]))),
    ("nll dtype", lambda m: m.nn.functional.nll_loss(m.ones(2, 3), m.tensor([0.0, 1.0]))),
    ("bn dims", lambda m: m.nn.BatchNorm2d(3)(m.ones(2, 3))),
    ("layernorm shape", lambda m: m.nn.LayerNorm(4)(m.ones(2, 3))),
    ("embedding range", lambda m: m.nn.Embedding(3, 2)(m.tensor([3]))),
    ("embedding dtype", lambda m: m.nn.Embedding(3, 2)(m.tensor([1.0]))),
    ("lstm input size", lambda m: m.nn.LSTM(3, 4)(m.ones(5, 2, 2))),
    ("mse shapes", lambda m: m.nn.functional.mse_loss(m.ones(3), m.ones(4))),
    ("bce range", lambda m: m.nn.functional.binary_cross_entropy(m.ones(3) * 2, m.ones(3))),
    ("randint bad", lambda m: m.randint(5, 2, (3,))),
    ("zeros negative", lambda m: m.zeros(-1)),
    ("arange step 0", lambda m: m.arange(0, 3, 0)),
    ("tensor ragged", lambda m: m.tensor([[1, 2], [3]])),
    ("clamp none", lambda m: m.clamp(m.ones(2))),
    ("topk too big", lambda m: m.ones(3).topk(5)),
    ("multinomial", lambda m: m.multinomial(m.ones(3), 5)),
    ("backward twice", lambda m: (lambda x: ((lambda y: (y.backward(), y.backward()))((x * x).sum())))(m.ones(2, requires_grad=True))),
    ("backward nonscalar", lambda m: (m.ones(2, requires_grad=True) * 2).backward()),
    ("grad no grad", lambda m: m.autograd.grad(m.ones(2).sum(), m.ones(2))),
]


def _outcome(lib, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(lib)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return type(e).__name__
    return "no error"


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_error_type_matches_torch(name, fn):
    assert _outcome(gt, fn) == _outcome(torch, fn)

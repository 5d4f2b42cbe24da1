"""torch.Generator-driven randomness checked by properties: same seed -> same draws across
generators, get_state/set_state replay, fork of the global RNG via get_rng_state, distribution
of randn/rand/randint/bernoulli/multinomial/normal_/exponential_/uniform_/randperm,
torch.initial_seed, Generator.seed types."""
import torch


def run():
    r = {}
    g1 = torch.Generator().manual_seed(123)
    g2 = torch.Generator().manual_seed(123)
    a = torch.randn(1000, generator=g1)
    b = torch.randn(1000, generator=g2)
    r["same_seed_equal"] = torch.equal(a, b)
    r["randn_stats"] = (abs(a.mean().item()) < 0.15, abs(a.std().item() - 1) < 0.1)
    st = g1.get_state()
    c = torch.rand(5, generator=g1)
    g1.set_state(st)
    r["replay"] = torch.equal(c, torch.rand(5, generator=g1))
    r["state_dtype"] = st.dtype
    r["initial_seed"] = g2.initial_seed()
    torch.manual_seed(7)
    s = torch.get_rng_state()
    x = torch.rand(3)
    torch.set_rng_state(s)
    r["global_replay"] = torch.equal(x, torch.rand(3))
    r["torch_initial_seed"] = torch.initial_seed()
    ri = torch.randint(3, 9, (500,), generator=g1)
    r["randint_range"] = (ri.min().item() >= 3, ri.max().item() <= 8, ri.dtype)
    p = torch.full((2000,), 0.3)
    bern = torch.bernoulli(p, generator=g1)
    r["bern"] = (abs(bern.mean().item() - 0.3) < 0.05, bern.dtype)
    w = torch.tensor([0.0, 1.0, 3.0])
    mn = torch.multinomial(w, 400, replacement=True, generator=g1)
    r["multinomial"] = (bool((mn != 0).all()), abs((mn == 2).float().mean().item() - 0.75) < 0.08)
    r["multinomial_norepl"] = sorted(torch.multinomial(torch.ones(5), 5, generator=g1).tolist())
    t = torch.empty(3000)
    t.normal_(2.0, 0.5, generator=g1)
    r["normal_"] = (abs(t.mean().item() - 2) < 0.05, abs(t.std().item() - 0.5) < 0.05)
    t.exponential_(2.0, generator=g1)
    r["exponential_"] = (t.min().item() >= 0, abs(t.mean().item() - 0.5) < 0.05)
    t.uniform_(-2, -1, generator=g1)
    r["uniform_"] = (t.min().item() >= -2, t.max().item() <= -1)
    r["randperm"] = sorted(torch.randperm(6, generator=g1).tolist())
    r["normal_fn"] = torch.normal(torch.zeros(4), torch.ones(4), generator=g1).shape
    r["rand_like"] = torch.rand_like(torch.zeros(2, 3, dtype=torch.float64)).dtype
    r["seed_type"] = type(torch.Generator().seed()).__name__
    r["device"] = str(g1.device)
    return r

"""The demo: train a small network on synthetic data, eagerly, and print the loss falling.

Run with ``python -m graphtorch.demo``.  Written as ordinary PyTorch code: only the import differs."""
from __future__ import annotations

import graphtorch as torch


def make_data(n=512, d=8, classes=3, seed=0):
    """Points from three Gaussian blobs; the label is the blob."""
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(classes, d, generator=g) * 2.0
    labels = torch.randint(0, classes, (n,), generator=g)
    x = centers[labels] + torch.randn(n, d, generator=g)
    return x, labels


def init(shape, fan_in, g):
    return (torch.randn(*shape, generator=g) / fan_in ** 0.5).requires_grad_()


def main(steps: int = 200, lr: float = 0.5) -> list:
    torch.manual_seed(0)
    x, y = make_data()
    g = torch.Generator().manual_seed(1)
    w1, b1 = init((8, 32), 8, g), torch.zeros(32, requires_grad=True)
    w2, b2 = init((32, 3), 32, g), torch.zeros(3, requires_grad=True)
    params = [w1, b1, w2, b2]
    losses = []
    for step in range(steps):
        h = torch.relu(x @ w1 + b1)
        logits = h @ w2 + b2
        # cross-entropy written out: logsumexp(logits) - logit of the true class
        loss = (torch.logsumexp(logits, dim=1) - logits.gather(1, y[:, None])[:, 0]).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        losses.append(loss.item())
        if step % 20 == 0 or step == steps - 1:
            acc = (logits.argmax(dim=1) == y).float().mean().item()
            print(f"step {step:4d}  loss {loss.item():.4f}  accuracy {acc:.3f}")
    return losses


if __name__ == "__main__":
    main()

"""Self-test: results that differ between torch and graphtorch on purpose."""
import numpy as np
import torch


def run():
    graph = torch.__name__ == "graphtorch"
    return {
        "impl": torch.__name__,
        "same": torch.arange(3),
        "value": torch.tensor([1.0, 2.0 + (0.5 if graph else 0.0)]),
        "dtype": torch.ones(2, dtype=torch.float64 if graph else torch.float32),
        "nested": {"ok": [1, (2.0, "x")]},
        "np": np.float64(1.5),
    }

"""Self-test: run() raises under both frameworks."""
import torch  # noqa: F401


def run():
    return {"x": 1 / 0}

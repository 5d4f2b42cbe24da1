"""torch.return_types: the named tuples returned by max/min/sort/topk/... (placeholder)."""

"""torch.random: seeding and RNG state (placeholder)."""

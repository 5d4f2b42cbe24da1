"""torch.special (placeholder: filled by its family's work)"""

"""torch.fft (placeholder: filled by its family's work)"""

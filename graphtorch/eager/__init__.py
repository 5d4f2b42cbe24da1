"""Eager execution: Tensor, dispatch, autograd engine, grad modes, devices."""

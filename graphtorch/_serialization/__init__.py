"""Internals of graphtorch.serialization: the zip container, the pickler and unpicklers."""

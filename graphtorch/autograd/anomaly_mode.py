"""Anomaly detection: keep each node's forward traceback and check backward results for NaN."""
from __future__ import annotations

import warnings

from ..eager.grad_mode import STATE, _DecoratorContextManager

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled() -> bool:
    return STATE.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    return STATE.anomaly_nan


class detect_anomaly(_DecoratorContextManager):
    """Context manager / decorator enabling anomaly detection: a backward error also prints
    the traceback of the forward call that created the failing node, and (with
    ``check_nan``) a backward function returning NaN raises.

    Example::

        >>> with torch.autograd.detect_anomaly():
        ...     loss.backward()
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        self.prev = STATE.anomaly
        self.prev_nan = STATE.anomaly_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def clone(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.__class__(self.check_nan)

    def __enter__(self):
        self.prev, self.prev_nan = STATE.anomaly, STATE.anomaly_nan
        STATE.anomaly, STATE.anomaly_nan = True, self.check_nan

    def __exit__(self, *exc):
        STATE.anomaly, STATE.anomaly_nan = self.prev, self.prev_nan


class set_detect_anomaly(_DecoratorContextManager):
    """Turn anomaly detection on or off at once; as a context manager, restore the previous
    setting on exit."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.prev, self.prev_nan = STATE.anomaly, STATE.anomaly_nan
        self.mode, self.check_nan = bool(mode), check_nan
        STATE.anomaly, STATE.anomaly_nan = self.mode, check_nan

    def clone(self):
        return self.__class__(self.mode, self.check_nan)

    def __enter__(self):
        STATE.anomaly, STATE.anomaly_nan = self.mode, self.check_nan

    def __exit__(self, *exc):
        STATE.anomaly, STATE.anomaly_nan = self.prev, self.prev_nan

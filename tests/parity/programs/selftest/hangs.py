"""Self-test: run() outlives its TIMEOUT."""
import time

TIMEOUT = 1


def run():
    time.sleep(30)
    return {}

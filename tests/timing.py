"""How a function's running time grows with its input, without any absolute time limit.

A linear function takes about ten times as long on an input ten times longer; a quadratic one a
hundred times. Each size is timed a few times and the fastest run kept, which shrugs off a busy
machine better than an average does.
"""

import gc
import signal
import time
from contextlib import contextmanager

FACTOR = 10
REPEATS = 3


class TooSlow(Exception):
    pass


@contextmanager
def _stopped_after(seconds):
    """Interrupt the block after `seconds`: a quadratic run on the long input would take minutes.

    The regular-expression engine checks for signals as it goes, so even one long match stops.
    """

    def stop(signum, frame):
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _fastest(function, argument, give_up_after=None):
    best = float("inf")
    for _ in range(REPEATS):
        gc.collect()
        start = time.perf_counter()
        try:
            if give_up_after is None:
                function(argument)
            else:
                with _stopped_after(give_up_after):
                    function(argument)
        except TooSlow:
            continue
        best = min(best, time.perf_counter() - start)
    return best


def growth(function, make_input, size, limit):
    """How many times longer `function` takes on `make_input(10 * size)` than on
    `make_input(size)`; each run on the long input is stopped once it has taken `limit` times the
    short one (the answer is then infinite)."""
    short, long = make_input(size), make_input(FACTOR * size)
    function(short)  # warm caches (dictionaries, compiled patterns) outside the timing
    baseline = _fastest(function, short)
    return _fastest(function, long, give_up_after=limit * baseline) / baseline

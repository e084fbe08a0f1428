"""IRP: the I/O request packet and its two-stage completion.

(Placeholder until the overlapped-socket issue lands: no model object issues
IRPs yet, so a thread has none to cancel at exit.)
"""


def cancel_thread_io(k, t):
    """B13: cancel the I/O a terminating thread issued (none exists before sockets are modelled)."""
    assert not t.irps, "IRPs exist but the IRP model is missing"

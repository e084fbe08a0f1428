"""Where Wine 8.0 is not Windows: the rules whose claims only real Windows can check (WINE.md).

Keyed by SEMANTICS rule id; the text is the reason ``kernelsim live`` and
``validate`` print for a claim marked *needs Windows*.  A claim is marked so
only when (1) it failed on the live Wine run, (2) the model with the ``wine``
profile predicted that very failure (or the rule is HOST_DEPENDENT: Wine's
behaviour there is Linux's), and (3) the scenario's RULES (or its own
NEEDS_WINDOWS) name one of these rules.  Anything else that fails is a failure.
"""

_CONCURRENCY = "Wine 8 ignores NumberOfConcurrentThreads: no CurrentCount limit (WINE.md W1)"

WINE8_DEVIATIONS = {
    "A2": _CONCURRENCY,
    "A3": _CONCURRENCY,
    "A4": "Wine 8 releases waiting threads FIFO; Windows releases them LIFO (WINE.md W2)",
    "A5": _CONCURRENCY,
    "A6": _CONCURRENCY,
    "A7": _CONCURRENCY + "; moving a thread to another port has no CurrentCount effect",
    "A8": _CONCURRENCY,
    "A9": _CONCURRENCY,
    "A10": "CloseHandle(port) never wakes a GQCS waiter on Wine 8; Windows gives FALSE/735",
    "C6": "Wine 8 returns a queued packet before a pending APC to a thread not yet associated (W5)",
    "C7": "Wine 8 lets an already signalled object win over a pending user APC (W6)",
    "D3": "send buffering thresholds are Linux's under Wine, AFD's on Windows",
    "D4": "Linux clamps SO_SNDBUF=0 under Wine; on Windows every send then pends",
    "D6": "after a peer RST, Wine 8 completes a later WSARecv at once with 0 bytes and queues a packet; "
          "Windows fails it with WSAECONNRESET and queues nothing (measured live; profile switch rst_recv_fails)",
    "D7": "local closesocket with pending I/O: Wine 8 gives 676 for a recv and leaves a send pending "
          "until the peer closes; Windows aborts both (1236); a blocked accept() ends with 995 on Wine 8 "
          "when the listener is closed, WSAEINTR on Windows (measured live; closed_accept_error)",
    "E3": "Wine has no locked-page limit: no WSAENOBUFS",
    "E4": "Wine has no non-paged pool accounting: no WSAENOBUFS",
    "E5": "Wine never runs out of non-paged pool or locked pages: no WSAENOBUFS",
}


# Deviations the ``wine`` profile cannot predict: Wine passes sends to Linux sockets, whose
# buffer sizes and thresholds are the host's.  A failing claim under these rules needs Windows
# even though the wine model predicted it would hold, and the notes are not compared.
HOST_DEPENDENT = ("D3", "D4")


def reasons(rules, declared=None):
    """The needs-Windows reasons for a scenario: its own NEEDS_WINDOWS first, then WINE8_DEVIATIONS by RULES."""
    out = dict(declared or {})
    for rule in rules or ():
        if rule in WINE8_DEVIATIONS and rule not in out:
            out[rule] = WINE8_DEVIATIONS[rule]
    return out

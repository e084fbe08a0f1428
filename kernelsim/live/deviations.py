"""Why a profile switch exists: what each real Win32 does differently, and where it was measured.

A live run that differs from the checked profile is a *deviation* only when it
equals, strictly, the model's prediction with a profile switch changed
(oracle.explain).  This table is the text the report gives for that switch: what
Windows does, what Wine does, and the source (WINE.md measurements, Wine's
source, SEMANTICS ids).
"""

from ..model.profile import PROFILES

REASONS = {
    "waiter_order": "Wine 8 releases threads waiting on a port FIFO; Windows and Wine 10 release the "
                    "newest waiter first (A4; Wine 8 server/completion.c, WINE.md W2)",
    "concurrency_limit": "Wine ignores NumberOfConcurrentThreads: no CurrentCount limit (A2–A9; WINE.md W1)",
    "port_close_abandons": "closing a port wakes no GQCS waiter on Wine 8; Windows and Wine 10 give FALSE/735 "
                           "(A10; WINE.md W4)",
    "apc_precedence": "an already signalled object wins over a pending user APC on Wine; Windows runs the APC "
                      "(C7; WINE.md W6)",
    "gqcsex_entries_first": "Wine 8 returns a queued packet before a pending APC to a thread not yet associated "
                            "with the port (C6; WINE.md W5)",
    "close_error_mode": "local closesocket with a pending receive: 676 on Wine, 1236 on Windows (D7, oracle)",
    "close_cancels_sends": "Wine leaves a pending send alone at local closesocket until the peer closes (D7)",
    "iosb_written_at": "XP wrote the OVERLAPPED at completion, Vista+ at dequeue (B10)",
    "thread_agnostic_io": "XP cancelled port I/O at thread exit (B13)",
    "memory_limits": "Wine has no non-paged pool or locked-page accounting: no WSAENOBUFS (E3–E5)",
    "rst_discards_buffered": "a peer RST discards data not yet read (D6)",
    "rst_recv_fails": "after a peer RST, Wine completes a later WSARecv with 0 bytes instead of failing it "
                      "with WSAECONNRESET (D6, measured live)",
    "rst_wsarecv_zero_once": "after a peer RST, Wine 10 completes the first WSARecv with 0 bytes and fails the "
                             "later ones with WSAECONNRESET; Windows fails them all (D6; measured live)",
    "closed_accept_error": "a blocked accept() ends with 995 on Wine when the listener is closed, "
                           "WSAEINTR on Windows (D7, measured live)",
    "warning_status_queues_packet": "a warning status still queues a packet (B4c)",
    "critsec_handoff": "a released critical section is handed to its oldest waiter (L9: XP, Wine's critsection.c)",
    "blocking_accept_alertable": "Wine 8's blocking accept() does not run queued user APCs; Windows (and Wine 10) "
                                 "run them and go on waiting (C2, oracle 3.8; measured live)",
    "nonblocking_send_partial": "Wine 8 accepts only part of a non-blocking send that does not fit in the Linux "
                                "socket buffer; Windows and Wine 10 take it whole (D3, oracle 4.4; measured live)",
    "cancel_all_empty_ok": "CancelIoEx(h, NULL) with nothing pending returns TRUE on Wine 8; Windows and Wine 10 "
                           "fail with ERROR_NOT_FOUND (B12; measured live)",
    "cancel_order": "the receives CancelIoEx(h, NULL) cancels complete newest first on Wine 8 and 10 "
                    "(B12; measured live; no oracle test for Windows)",
    "acceptex_null_buffer_error": "AcceptEx with a NULL output buffer fails with WSAEFAULT on Windows (test_AcceptEx, "
                                  "todo_wine there), WSAEINVAL on Wine 8 and 10 (D15; measured live)",
    "accept_context_keeps_error": "a successful setsockopt(SO_UPDATE_ACCEPT_CONTEXT) leaves the last error as it was "
                                  "on Wine 8 and 10; Windows clears it like every successful Winsock call (B11, D12; "
                                  "measured live)",
    "rst_after_fin_error": "a RST that answers data sent after the peer's FIN: later calls fail with WSAECONNABORTED "
                           "on Windows (oracle 2.20), WSAECONNRESET on Wine 8 and 10 (D6; measured live)",
    "closed_port_apc_fails": "Wine 8: an APC to a thread in an alertable GQCSEx on a port closed meanwhile ends "
                             "the wait FALSE/6 and stays queued (A10; measured live)",
}


def reason(switch):
    """The text for a list of (switch, value) pairs."""
    return "; ".join(REASONS.get(name, name) for name, _ in switch)


def profiles_with(switch):
    """The named profiles that set every one of these switches so."""
    return [name for name, profile in PROFILES.items()
            if all(getattr(profile, name_, None) == value for name_, value in switch)]

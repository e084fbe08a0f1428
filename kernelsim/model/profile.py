"""Rule switches: which Windows the model behaves like (SEMANTICS §H, WINE.md).

``windows`` is Windows 10 and later, with the real-Windows oracle's corrections.
``wine`` is the same model with the deviations measured on Wine 8.0 switched on,
so that ``kernelsim live`` under Wine compares like with like; ``wine10`` has
only the deviations measured on Wine 10.0 (Debian trixie, tools/wine10.sh).  ``xp`` keeps
the pre-Vista behaviours the seed notes and older books describe.  A scenario's
CONFIG may override any single switch by name (e.g. ``"close_error_mode": "xp"``).
"""

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Profile:
    name: str = "windows"
    waiter_order: str = "lifo"              # A4 / W2: "lifo" or "fifo"
    concurrency_limit: bool = True          # A2–A9 / W1: NumberOfConcurrentThreads enforced
    port_close_abandons: bool = True        # A10 / W4: waiters get ERROR_ABANDONED_WAIT_0
    apc_precedence: str = "apc_first"       # C7 / W6: "apc_first" or "object_first"
    gqcsex_entries_first: bool = False      # C6, oracle 1.10 / W5: entries beat APCs even unassociated
    close_error_mode: str = "modern"        # D7: "modern" 1236, "xp" 64, "documented" 995, "wine" 676
    close_cancels_sends: bool = True        # WINE.md: Wine 8 leaves a pending send until the peer closes
    iosb_written_at: str = "dequeue"        # B10: "dequeue" or "completion"
    thread_agnostic_io: bool = True         # B13: port I/O survives its thread (Vista+)
    memory_limits: bool = True              # E3–E5: WSAENOBUFS when pool or locked pages run out
    rst_discards_buffered: bool = False     # D6
    rst_recv_fails: bool = True             # D6: a WSARecv (or recv) after a peer RST fails at once (10054);
                                            #     Wine 8 completes it at once with 0 bytes and a packet
    rst_after_fin_error: int = 10053        # D6 / oracle 2.20: a RST that answers data sent after the peer's FIN
                                            #     aborts the connection: later calls fail with WSAECONNABORTED;
                                            #     Wine 8 and 10 give WSAECONNRESET (10054, measured live)
    rst_wsarecv_zero_once: bool = False     # D6: Wine 10 (measured live): the first WSARecv after a RST gets
                                            #     0 bytes and a packet, later ones fail with 10054
    closed_accept_error: int = 10004        # D7: a blocked accept() when the listener is closed: WSAEINTR;
                                            #     Wine 8 gives 995 (measured live)
    warning_status_queues_packet: bool = True  # B4c
    blocking_accept_alertable: bool = True  # C2 / oracle 3.8: a blocking accept() runs queued APCs and goes on
                                            #     waiting; Wine 8's does not (measured live)
    nonblocking_send_partial: bool = False  # D3 / oracle 4.4: a non-blocking send is accepted whole; Wine 8
                                            #     takes only what fits (a partial count, measured live)
    cancel_all_empty_ok: bool = False       # B12: CancelIoEx(h, NULL) with nothing pending is FALSE/1168;
                                            #     Wine 8 returns TRUE (measured live)
    cancel_order: str = "oldest_first"      # B12: the requests CancelIoEx(h, NULL) cancels complete in issue
                                            #     order; Wine 8 and 10 complete them newest first (measured)
    closed_port_apc_fails: bool = False     # A10: Wine 8 (whose closed port wakes nobody): an APC to a thread in
                                            #     an alertable GQCSEx on it gives FALSE/6, the APC stays queued
    acceptex_null_buffer_error: int = 10014  # D15: AcceptEx with a NULL output buffer fails at once with
                                            #     WSAEFAULT (test_AcceptEx); Wine 8 and 10 give WSAEINVAL (measured)
    accept_context_keeps_error: bool = False  # D12/B11: a successful setsockopt(SO_UPDATE_ACCEPT_CONTEXT) clears
                                            #     the last error like every Winsock success; Wine 8 and 10
                                            #     leave it as it was (measured live)
    critsec_handoff: bool = False           # L9: a released critical section goes to its oldest waiter
                                            #     (XP's fair locks; Wine 8 critsection.c) instead of being
                                            #     competed for

    def describe(self):
        base = PROFILES[self.name] if self.name in PROFILES else Profile()
        changed = [f"{f.name}={getattr(self, f.name)}" for f in fields(self)
                   if f.name != "name" and getattr(self, f.name) != getattr(base, f.name)]
        return self.name + (f" ({', '.join(changed)})" if changed else "")


PROFILES = {
    "windows": Profile(),
    "wine": Profile(name="wine", waiter_order="fifo", concurrency_limit=False, port_close_abandons=False,
                    apc_precedence="object_first", gqcsex_entries_first=True, close_error_mode="wine",
                    close_cancels_sends=False, memory_limits=False, rst_recv_fails=False,
                    closed_accept_error=995, critsec_handoff=True, blocking_accept_alertable=False,
                    nonblocking_send_partial=True, cancel_all_empty_ok=True, cancel_order="newest_first",
                    closed_port_apc_fails=True, rst_after_fin_error=10054, acceptex_null_buffer_error=10022,
                    accept_context_keeps_error=True),
    "wine10": Profile(name="wine10", concurrency_limit=False, apc_precedence="object_first",
                      close_error_mode="wine", close_cancels_sends=False, memory_limits=False,
                      closed_accept_error=995, cancel_order="newest_first", rst_wsarecv_zero_once=True,
                      rst_after_fin_error=10054, acceptex_null_buffer_error=10022, accept_context_keeps_error=True),
    "xp": Profile(name="xp", port_close_abandons=False, apc_precedence="object_first",
                  close_error_mode="xp", iosb_written_at="completion", thread_agnostic_io=False,
                  critsec_handoff=True),
}

SWITCHES = {f.name for f in fields(Profile)} - {"name"}


def get_profile(name, config=None):
    """The named profile with any switches a scenario's CONFIG overrides."""
    if isinstance(name, Profile):
        profile = name
    elif name in PROFILES:
        profile = PROFILES[name]
    else:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    overrides = {key: value for key, value in (config or {}).items() if key in SWITCHES}
    return replace(profile, **overrides) if overrides else profile

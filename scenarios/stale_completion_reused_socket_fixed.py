"""stale-completion-reused-socket on the fixed library: completions are keyed by slot and outlive no session.

Same lobby, same two clients.  The slot is freed only when IOCount reaches 0,
after the old send completion was handled, so the new session never sees it;
its SessionID has a new generation even though the socket value is reused.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "stale_completion_reused_socket", VARIANT="fixed"))
BREAKS = ()
TITLE = "Slot + generation ids and IOCount: a reused socket value cannot receive a stale completion"

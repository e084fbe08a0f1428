"""silent-client on the fixed library: Disconnect shuts down, then cancels the pending receive.

The same client reads the FIN and never closes.  The fixed Disconnect does
not wait for it: after shutdown(SD_SEND) it calls CancelIoEx on the pending
WSARecv, which completes with ERROR_OPERATION_ABORTED (995, B12); IOCount
drains to 0, Release closes the socket with linger {1, 0} (RST, no
TIME_WAIT, D6) and OnLeave runs once.  The slot is free again within a
millisecond, however long the client stays silent.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "silent_client", VARIANT="fixed"))
BREAKS = ()
TITLE = "A silent client: Disconnect cancels the pending receive, so the session is released at once"

"""closesocket-twice on the fixed library: Disconnect shuts down, Release closes once.

The same lobby and clients.  Disconnect calls shutdown(SD_SEND): the kicked
player gets a FIN, closes, and its Recv = 0 drains IOCount.  The handle stays
owned by the kicked session until IOCount reaches 0 and Release closes it —
once — so a new connection can never be given a value the old session will close.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "closesocket_twice", VARIANT="fixed"))
BREAKS = ()
TITLE = "Disconnect shuts down, Release closes once: a reused handle value is never closed by the old session"

"""movefront-before-completion on the fixed library: MoveFront in the send completion.

The same burst of four packets on an SO_SNDBUF = 0 socket.  The SendQ front
moves only when the send completion arrives, so the bytes lent to the pending
WSASend are never overwritten; the fourth packet does not fit and
SendPacket returns False, which content can see and handle.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "movefront_before_completion", VARIANT="fixed"))
BREAKS = ()
TITLE = "MoveFront after the send completion: a full SendQ refuses a packet instead of corrupting one"

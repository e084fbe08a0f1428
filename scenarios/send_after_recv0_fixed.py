"""send-after-recv0 on the fixed library: IOCount keeps the session until the send completion is handled.

The same client, content and two workers as ``send-after-recv0``; the
library counts the outstanding WSARecv and WSASend in IOCount and releases
at zero, so whichever worker handles its completion last releases the
session, once, and calls OnLeave once.  ``kernelsim explore
send-after-recv0-fixed`` finds no schedule that breaks an invariant within
its preemption bound.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "send_after_recv0", VARIANT="fixed"))
TITLE = "Recv = 0, then the send completion: IOCount releases the session only at zero"

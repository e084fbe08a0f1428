"""delay-release on the fixed library: IOCount waits for the send completion, however late it comes.

The same slow client reads its echo LAG ms after hanging up.  The fixed
library does not guess a delay: the pending WSASend is counted in IOCount,
so the session is released when its completion has been handled — at LAG,
not before — and OnLeave runs once.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "delay_release", VARIANT="fixed"))
BREAKS = ()
TITLE = "IOCount instead of a delay: the session is released after the late send completion"

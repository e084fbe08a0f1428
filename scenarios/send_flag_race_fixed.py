"""send-flag-race on the fixed library: the send flag is tested and set with one InterlockedExchange.

The same two threads send to one session at the same moment.  Exactly one
of them gets the flag and calls WSASend; the other's packet waits in the
SendQ and goes out when the first send completes.  Both packets arrive,
each whole — in an order only the schedule decides.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "send_flag_race", VARIANT="fixed"))
BREAKS = ()
TITLE = "An interlocked send flag: one WSASend at a time, however many threads send"

"""iocount-after-pending-send on the fixed library: IOCount counts each WSASend before the call.

The same client, content and two workers as ``iocount-after-pending-send``.
The library increments IOCount before WSASend, so however long a worker is
held back after the call, the pending send keeps the session: ``kernelsim
explore iocount-after-pending-send-fixed`` finds no schedule, delays
included, that breaks an invariant within its bound.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "iocount_after_pending_send", VARIANT="fixed"))
BREAKS = ()
TITLE = "IOCount counted before each WSASend: no delay can free the session early"

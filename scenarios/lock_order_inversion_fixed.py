"""lock-order-inversion with one lock order: Release takes the list lock first, as SendPacket does.

The same broadcast and the same Release, except that Release now locks the
list before the session — the order SendPacket uses.  A thread that holds
the session lock never waits for the list lock, so no cycle can form: with
two locks taken in one global order there is no wait-for cycle (L11), and
``kernelsim explore lock-order-inversion-fixed`` covers every schedule
within its bound without a deadlock.  Whoever comes second simply waits
(L3), and the broadcast either reaches the session before Release or finds
it gone.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "lock_order_inversion", VARIANT="fixed", BREAKS=()))
TITLE = "One lock order everywhere (list, then session): no schedule deadlocks"

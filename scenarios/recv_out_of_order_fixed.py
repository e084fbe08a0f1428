"""recv-out-of-order with one receive at a time: the next WSARecv exists only after the last was handled.

The same connection, client and two workers; the server posts one receive
and each handler posts the next after appending its bytes.  A completion
can only be handled after the previous one was, whichever worker gets it,
so the RecvQ is always in the order the client sent — the notes' rule,
"Recv를 1회로 제한".  ``kernelsim explore recv-out-of-order-fixed`` finds no
schedule that breaks it.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "recv_out_of_order", OUTSTANDING=1))
BREAKS = ()
TITLE = "One WSARecv at a time: handled in order by any worker"

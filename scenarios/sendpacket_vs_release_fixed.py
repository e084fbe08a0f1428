"""sendpacket-vs-release on the fixed library: SendPacket holds the session by IOCount.

The same logic thread and client.  SendPacket increments IOCount before it
touches the session and checks the release flag; Release sets the flag only
by a compare-exchange from 0.  Whichever comes first, no one uses a released
session and the session is released once.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "sendpacket_vs_release", VARIANT="fixed"))
BREAKS = ()
TITLE = "SendPacket holds the session by IOCount; Release waits for the hold or SendPacket returns False"

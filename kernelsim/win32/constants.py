"""Win32 and Winsock constants, with the numeric values Windows uses.

Values are those of the Windows SDK headers (winbase.h, winerror.h, winsock2.h,
ntstatus.h); SEMANTICS.md §0 lists the ones the rules depend on.
"""

# --- handles and timeouts -------------------------------------------------
INFINITE = 0xFFFFFFFF
INVALID_HANDLE_VALUE = -1
INVALID_SOCKET = ~0 & 0xFFFFFFFFFFFFFFFF
NULL = None
TRUE = True
FALSE = False

# --- wait results (winbase.h) ----------------------------------------------
WAIT_OBJECT_0 = 0x00000000
WAIT_ABANDONED_0 = 0x00000080
WAIT_IO_COMPLETION = 0x000000C0          # 192
WAIT_TIMEOUT = 0x00000102                # 258
WAIT_FAILED = 0xFFFFFFFF

WSA_WAIT_EVENT_0 = WAIT_OBJECT_0
WSA_WAIT_IO_COMPLETION = WAIT_IO_COMPLETION
WSA_WAIT_TIMEOUT = WAIT_TIMEOUT
WSA_WAIT_FAILED = WAIT_FAILED
WSA_INFINITE = INFINITE
WSA_MAXIMUM_WAIT_EVENTS = 64
MAXIMUM_WAIT_OBJECTS = 64

# --- Win32 error codes (winerror.h) -----------------------------------------
ERROR_SUCCESS = 0
ERROR_INVALID_HANDLE = 6
ERROR_NOT_ENOUGH_MEMORY = 8
ERROR_GEN_FAILURE = 31
ERROR_HANDLE_EOF = 38
ERROR_NETNAME_DELETED = 64
ERROR_INVALID_PARAMETER = 87
ERROR_HANDLES_CLOSED = 676
ERROR_ABANDONED_WAIT_0 = 735
ERROR_OPERATION_ABORTED = 995
ERROR_IO_INCOMPLETE = 996
ERROR_IO_PENDING = 997
ERROR_NOT_FOUND = 1168
ERROR_CONNECTION_REFUSED = 1225
ERROR_CONNECTION_ABORTED = 1236
ERROR_NO_SYSTEM_RESOURCES = 1450

# --- Winsock error codes (winsock2.h) ----------------------------------------
WSA_INVALID_HANDLE = ERROR_INVALID_HANDLE
WSA_INVALID_PARAMETER = ERROR_INVALID_PARAMETER
WSA_OPERATION_ABORTED = ERROR_OPERATION_ABORTED
WSA_IO_INCOMPLETE = ERROR_IO_INCOMPLETE
WSA_IO_PENDING = ERROR_IO_PENDING
WSAEINTR = 10004
WSAEBADF = 10009
WSAEFAULT = 10014
WSAEINVAL = 10022
WSAEWOULDBLOCK = 10035
WSAEINPROGRESS = 10036
WSAENOTSOCK = 10038
WSAEMSGSIZE = 10040
WSAEOPNOTSUPP = 10045
WSAEADDRINUSE = 10048
WSAECONNABORTED = 10053
WSAECONNRESET = 10054
WSAENOBUFS = 10055
WSAEISCONN = 10056
WSAENOTCONN = 10057
WSAESHUTDOWN = 10058
WSAECONNREFUSED = 10061
WSAEDISCON = 10101

SOCKET_ERROR = -1

# --- NTSTATUS values (ntstatus.h), as they appear in OVERLAPPED.Internal ----
STATUS_SUCCESS = 0x00000000
STATUS_ABANDONED_WAIT_0 = 0x00000080
STATUS_USER_APC = 0x000000C0
STATUS_TIMEOUT = 0x00000102
STATUS_PENDING = 0x00000103
STATUS_BUFFER_OVERFLOW = 0x80000005
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_CANCELLED = 0xC0000120
STATUS_LOCAL_DISCONNECT = 0xC000013B
STATUS_REMOTE_DISCONNECT = 0xC000013C
STATUS_INSUFFICIENT_RESOURCES = 0xC000009A
STATUS_CONNECTION_RESET = 0xC000020D
STATUS_CONNECTION_ABORTED = 0xC0000241
STATUS_HANDLES_CLOSED = 0x8000000A       # a warning status: GQCS returns FALSE, 676 (Wine 8 close path)
STATUS_RESOURCE_NOT_OWNED = 0xC0000264   # raised by ReleaseSRWLock* of a lock not held in that mode (L8)
STATUS_POSSIBLE_DEADLOCK = 0xC0000194    # EnterCriticalSection after CriticalSectionTimeout (~30 days, L11)

# --- DuplicateHandle (winnt.h) ------------------------------------------------
DUPLICATE_CLOSE_SOURCE = 0x1
DUPLICATE_SAME_ACCESS = 0x2

# --- SetFileCompletionNotificationModes (winbase.h) -------------------------
FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 0x1
FILE_SKIP_SET_EVENT_ON_HANDLE = 0x2

# --- sockets ----------------------------------------------------------------
AF_INET = 2
SOCK_STREAM = 1
IPPROTO_TCP = 6
WSA_FLAG_OVERLAPPED = 0x01
SOL_SOCKET = 0xFFFF
SO_LINGER = 0x0080
SO_SNDBUF = 0x1001
SO_RCVBUF = 0x1002
SD_RECEIVE = 0
SD_SEND = 1
SD_BOTH = 2
MSG_PARTIAL = 0x8000
FIONBIO = 0x8004667E
SOMAXCONN = 0x7FFFFFFF
LOOPBACK = "127.0.0.1"
SO_UPDATE_ACCEPT_CONTEXT = 0x700B      # mswsock.h: an AcceptEx socket takes the listener's options (D12)
ACCEPTEX_ADDRESS_LENGTH = 16 + 16      # sizeof(SOCKADDR_IN) + 16: AcceptEx's room for one address (D15)

# --- network events (winsock2.h): select, WSAEventSelect ----------------------------
FD_SETSIZE = 64                        # the default capacity of an fd_set; a program may define more (D14)
FD_READ_BIT, FD_WRITE_BIT, FD_OOB_BIT, FD_ACCEPT_BIT, FD_CONNECT_BIT, FD_CLOSE_BIT = range(6)
FD_READ = 1 << FD_READ_BIT
FD_WRITE = 1 << FD_WRITE_BIT
FD_OOB = 1 << FD_OOB_BIT
FD_ACCEPT = 1 << FD_ACCEPT_BIT
FD_CONNECT = 1 << FD_CONNECT_BIT
FD_CLOSE = 1 << FD_CLOSE_BIT
FD_MAX_EVENTS = 10


def NT_ERROR(status):
    """True for an NTSTATUS of error severity (the top two bits are 11)."""
    return (status >> 30) == 3


def NT_SUCCESS(status):
    """True for success and informational statuses (severity 00 or 01)."""
    return (status >> 31) == 0


_NAMES = {}


def error_name(code):
    """The symbolic name of an error or status code, for narration ('995 ERROR_OPERATION_ABORTED')."""
    if not _NAMES:
        preferred = ("ERROR_", "WSAE", "WSA_", "WAIT_", "STATUS_")
        for prefix in preferred:
            for name, value in globals().items():
                if name.startswith(prefix) and isinstance(value, int) and not isinstance(value, bool):
                    _NAMES.setdefault((prefix[:2] == "ST", value), name)
    status = isinstance(code, int) and code > 0xFFFF
    return _NAMES.get((status, code)) or _NAMES.get((not status, code)) or str(code)

"""Write scenarios inline in a test: ``run(main)`` runs a generator function as a scenario's ``main``.

A test states its setting (CONFIG, profile, seed, schedule) and gets back the
``Outcome`` of ``kernelsim.scenario.run``, exactly as the CLI would.  Three
test-only calls let a scenario look at model state at a given instant — the
rules about CurrentCount, queue depth and waiter order are rules about state:

* ``peek(tag, fn)`` records a note whose fields are ``fn(kernel)`` (a dict);
* ``port_state(tag, port)`` records CurrentCount, MaximumCount, depth, the
  queued packets' keys and the blocked waiters in the order they blocked, for
  one port handle (which waiter is released next is a rule — A4 — that tests
  observe by posting packets, not read from the model);
* ``complete(port, key, ov, status, nbytes)`` queues a packet with an NTSTATUS,
  standing in for an I/O request completing into the port (what
  NtSetIoCompletion does, oracle 1.12) until sockets are modelled.
"""

import types

from kernelsim import scenario as scenarios
from kernelsim.model.services import syscall
from kernelsim.model.port import MINI_PACKET_BYTES, Packet, Port
from kernelsim.win32 import Call

__all__ = ["run", "peek", "port_state", "complete", "open_file", "port_of", "thread_of"]


def run(main, config=None, profile=None, seed=0, schedule=None, invariants=(), check=None,
        snapshots=False, trace=True, args=()):
    """Run ``main`` (a generator function, called with ``args``) as a scenario and return its Outcome."""
    if args:
        target = main

        def main():
            return (yield from target(*args))
        main.__name__ = target.__name__
        main.__code__ = main.__code__.replace(co_filename=target.__code__.co_filename)
    module = types.ModuleType("inline_" + main.__name__)
    module.__file__ = main.__code__.co_filename
    module.main = main
    module.CONFIG = dict(config or {})
    if check is not None:
        module.check = check
    scenario = scenarios.Scenario(main.__code__.co_filename, module)
    scenario.name = main.__name__
    return scenarios.run(scenario, seed=seed, profile=profile, schedule=schedule, trace=trace,
                         snapshots=snapshots, invariants=invariants)


# --- test-only calls ---------------------------------------------------------------

def peek(tag, fn):
    """A note whose fields are fn(kernel): model state at this instant."""
    return Call("test_peek", tag, fn)


def port_state(tag, port):
    """A note with the port's CurrentCount, MaximumCount, depth, queued keys and waiters (oldest first)."""
    return Call("test_port_state", tag, port)


def complete(port, key, ov, status, nbytes=0):
    """Queue a packet carrying an NTSTATUS, as an I/O request completing into the port would."""
    return Call("test_complete", port, key, ov, status, nbytes)


def open_file():
    """A handle to an object that can be associated with a port (no I/O): for A1's second half."""
    return Call("test_open_file")


@syscall("test_peek")
def _peek(k, t, tag, fn):
    from kernelsim.outcome import Note
    k.notes.append(Note(tag, t.name, k.now, fn(k)))


def state_of(port):
    waiters = [w.name for w in port.waiters]          # in the order they blocked
    queued = [port.entries[i].key for i in range(port.head, len(port.entries))]
    return {"current": port.current, "maximum": port.maximum, "depth": port.depth(),
            "queued": queued, "waiters": waiters, "threads": [x.name for x in port.threads]}


@syscall("test_port_state")
def _port_state(k, t, tag, handle):
    from kernelsim.outcome import Note
    port = k.handles.get(handle, Port)
    k.notes.append(Note(tag, t.name, k.now, state_of(port)))


@syscall("test_complete")
def _complete(k, t, handle, key, ov, status, nbytes):
    port = k.handles.get(handle, Port)
    assert k.pool.alloc_npp(MINI_PACKET_BYTES)        # freed at dequeue like a mini-packet
    port.insert(k, Packet(key, ov, status, nbytes, source="io"))
    return True


class File:
    """A handle that a port can be associated with, and nothing else."""

    def __init__(self, k):
        self.port = None
        self.key = None
        self.handle = k.handles.add(self)

    def associate(self, k, port, key):
        self.port, self.key = port, key
        return True


@syscall("test_open_file")
def _open_file(k, t):
    return File(k).handle


# --- reading the outcome ----------------------------------------------------------------

def port_of(outcome, index=0):
    """The Port object (model state) of the run: ports in creation order."""
    return outcome.kernel.ports[index]


def thread_of(outcome, name):
    return next(t for t in outcome.kernel.threads if t.name == name)


# --- socket helpers shared by the IRP and AFD tests --------------------------------------

def new_port_pair(key=1):
    """A completion port and a connected pair whose server end is associated with it (key)."""
    from kernelsim.win32 import CreateIoCompletionPort, INVALID_HANDLE_VALUE, tcp_pair
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    server, client = yield tcp_pair()
    yield CreateIoCompletionPort(server, port, key, 0)
    return port, server, client


def gqcs(tag, port, ms=100):
    """GQCS, recorded as a note with its outputs and, on failure, the last error."""
    from kernelsim.win32 import GetLastError, GetQueuedCompletionStatus, note
    ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, ms)
    error = yield GetLastError()
    yield note(tag, ok=ok, nbytes=nbytes, key=key, ov=ov, error=error if not ok else 0)
    return ov


def run_cli(capsys, *argv):
    """Run the kernelsim command in-process → (exit code, stdout, stderr)."""
    from kernelsim import cli
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:          # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, name, text):
    """Write a dedented scenario (or any text) file into tmp_path → its path as a string."""
    import textwrap
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


# A live case (tests/test_live.py on Wine 8, tests/test_wine10.py on Wine 10): the server closes a socket whose
# received data it never read, then the client sends and reads (D6, RFC 1122 4.2.2.13: Windows sends a RST).
UNREAD_CLOSE = """\
from kernelsim.win32 import *

def main():
    server, client = yield tcp_pair()
    yield send(client, b"request")
    yield Sleep(50)
    yield closesocket(server)
    yield Sleep(50)
    n = yield send(client, b"more")
    yield note("send", n=n, error=(yield WSAGetLastError()))
    yield Sleep(50)
    r = yield recv(client, 100)
    yield note("recv", r=r, error=(yield WSAGetLastError()))
    yield closesocket(client)
"""


# A live case (D13, MS connect): non-blocking connects, accepted and refused, with FD_CONNECT recorded.
NONBLOCKING_CONNECT = """\
from kernelsim.win32 import *

def main():
    ls = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield bind(ls, ("127.0.0.1", 7611))
    yield listen(ls, 5)
    s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    ev = yield WSACreateEvent()
    yield WSAEventSelect(s, ev, FD_WRITE | FD_CONNECT | FD_READ)
    rc = yield connect(s, ("127.0.0.1", 7611))
    yield note("connect", rc=rc, error=(yield WSAGetLastError()))
    w = yield WaitForSingleObject(ev, 1000)
    rc, ne = yield WSAEnumNetworkEvents(s, ev)
    yield note("events", w=w, rc=rc, events=ne.lNetworkEvents, error=ne.iErrorCode[FD_CONNECT_BIT])
    rc = yield connect(s, ("127.0.0.1", 7611))
    yield note("again", rc=rc, error=(yield WSAGetLastError()))
    r = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    ev2 = yield WSACreateEvent()
    yield WSAEventSelect(r, ev2, FD_CONNECT)
    rc = yield connect(r, ("127.0.0.1", 7699))
    yield note("refused", rc=rc, error=(yield WSAGetLastError()))
    w = yield WaitForSingleObject(ev2, 2000)
    rc, ne = yield WSAEnumNetworkEvents(r, ev2)
    yield note("refused-events", w=w, events=ne.lNetworkEvents, error=ne.iErrorCode[FD_CONNECT_BIT])
    f = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
    yield ioctlsocket(f, FIONBIO, 1)
    rc = yield connect(f, ("127.0.0.1", 7611))
    yield note("fionbio", rc=rc, error=(yield WSAGetLastError()))
    yield Sleep(50)
    yield note("send", n=(yield send(f, b"hi")))
    for h in (s, r, f, ls):
        yield closesocket(h)
"""

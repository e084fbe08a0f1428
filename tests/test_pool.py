"""Non-paged pool, locked pages and WSAENOBUFS (SEMANTICS E1–E7, A11)."""

from helpers import peek, run

from kernelsim.win32 import *


def gauges(k):
    return {"npp": k.pool.npp, "locked": k.pool.locked, "irps": len(k.irps), "tags": dict(k.pool.by_tag)}


def test_e1_undequeued_completions_keep_their_irps():
    """E1: 1000 reads complete into a port that is never drained: NPP grows by 1000 × 784 (the IRP is the
    packet); draining the port returns NPP to its baseline."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        server, client = yield tcp_pair()
        yield CreateIoCompletionPort(server, port, 1, 0)
        yield peek("base", gauges)
        for _ in range(1000):
            yield WSARecv(server, WSABUF(0), OVERLAPPED())
        yield send(client, b"data")
        yield Sleep(1)
        yield peek("queued", gauges)
        for _ in range(1000):
            yield GetQueuedCompletionStatus(port, 0)
        yield peek("drained", gauges)
    o = run(main)
    base, queued, drained = o.note("base"), o.note("queued"), o.note("drained")
    assert queued.npp - base.npp == 1000 * 784 + 4           # + the 4 bytes AFD holds for the reader
    assert queued.locked == 0 and queued.irps == 1000
    assert drained.npp - base.npp == 4 and drained.irps == 0


def test_e2_every_page_a_buffer_spans_is_locked():
    """E2: WSARecv with a 4096-byte buffer at offset 4000 locks 2 pages while pending and 0 after completion;
    the MDL costs 48 + 8 per page."""
    def main():
        server, client = yield tcp_pair()
        yield peek("base", gauges)
        yield WSARecv(server, WSABUF(4096, offset=4000), OVERLAPPED())
        yield peek("pending", gauges)
        yield send(client, b"x")
        yield Sleep(1)
        yield peek("done", gauges)
    o = run(main)
    assert o.note("pending").locked == 2 and o.note("done").locked == 0
    assert o.note("pending").npp - o.note("base").npp == 784 + 48 + 16


def test_e3_locked_page_limit_fails_the_next_receive_synchronously():
    """E3: phys 64 MB → limit 2048 pages; 3000 connections each post a 4 KB page-aligned receive: the first
    2048 pend, #2049 fails at once with WSAENOBUFS, and no packet ever comes for it."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        first = None
        for i in range(1, 3001):
            s, c = yield tcp_pair()
            yield CreateIoCompletionPort(s, port, i, 0)
            rc, n, f = yield WSARecv(s, WSABUF(4096), OVERLAPPED())
            err = yield WSAGetLastError()
            if err == WSAENOBUFS and first is None:
                first = i
                yield peek("at-failure", gauges)
        yield note("first", i=first)
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 0)
        yield note("packets", any=ov is not None)
    o = run(main, config={"phys_mb": 64})
    assert o.note("first").i == 2049
    assert o.note("at-failure").locked == 2048 and o.note("at-failure").irps == 2048
    assert o.note("packets").any is False


def test_e4_socket_creation_fails_when_nonpaged_pool_is_exhausted():
    """E4: with npp_limit 10 MB, sockets are created until socket() fails with WSAENOBUFS (10055), after about
    npp_limit / npp_socket_base of them."""
    def main():
        count = 0
        while True:
            s = yield socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
            if s == INVALID_SOCKET:
                err = yield WSAGetLastError()
                break
            count += 1
        yield note("made", count=count, err=err)
    o = run(main, config={"npp_limit": 10 * 1024 * 1024})
    assert o.note("made").err == WSAENOBUFS
    assert o.note("made").count == 10 * 1024 * 1024 // 2048


def test_e5_pending_request_fails_synchronously_for_pool_and_an_irp_never_stays():
    """E5 (a): when the IRP itself cannot be allocated, WSARecv fails at once with WSAENOBUFS — no IRP, no
    packet — and tcp_pair fails with INVALID_SOCKET when its endpoints do not fit."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        s, c = yield tcp_pair()
        yield CreateIoCompletionPort(s, port, 1, 0)
        rc, n, f = yield WSARecv(s, WSABUF(0), OVERLAPPED())
        err = yield WSAGetLastError()
        yield note("recv", rc=rc, err=err)
        pair = yield tcp_pair()
        err = yield WSAGetLastError()
        yield note("pair", pair=list(pair), err=err)
        yield peek("mem", gauges)
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 0)
        yield note("packet", any=ov is not None)
    o = run(main, config={"npp_limit": 2 * 3072 + 500})
    assert (o.note("recv").rc, o.note("recv").err) == (SOCKET_ERROR, WSAENOBUFS)
    assert o.note("pair").pair == [INVALID_SOCKET, INVALID_SOCKET] and o.note("pair").err == WSAENOBUFS
    assert o.note("mem").irps == 0 and o.note("mem").npp == 2 * 3072 and not o.note("packet").any


def test_e6_zero_byte_receives_lock_nothing():
    """E6: 2,000 idle connections each with a zero-byte receive: locked pages 0, NPP = 2,000 × (two connected
    sockets + one IRP); data on one completes its receive TRUE/0 and a non-blocking recv returns the data."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        clients = []
        for i in range(2000):
            s, c = yield tcp_pair()
            yield CreateIoCompletionPort(s, port, s, 0)
            yield WSARecv(s, WSABUF(0), OVERLAPPED())
            clients.append(c)
        yield peek("idle", gauges)
        yield send(clients[7], b"wake")
        ok, n, key, ov = yield GetQueuedCompletionStatus(port, 100)
        yield ioctlsocket(key, FIONBIO, 1)
        data = yield recv(key, 100)
        yield note("woke", ok=ok, n=n, data=data)
    o = run(main, config={"snapshots": False})
    idle = o.note("idle")
    assert idle.locked == 0 and idle.npp == 2000 * (2 * (2048 + 1024) + 784)
    assert (o.note("woke").ok, o.note("woke").n, o.note("woke").data) == (True, 0, b"wake")


def test_e7_posted_packets_cost_a_mini_packet_each():
    """E7/A11: PQCS × 1000 without dequeue raises NPP by 56 KB; draining restores it.  When the mini-packet
    cannot be allocated PQCS fails with ERROR_NO_SYSTEM_RESOURCES."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        yield peek("base", gauges)
        for i in range(1000):
            yield PostQueuedCompletionStatus(port, 0, i, None)
        yield peek("posted", gauges)
        for i in range(1000):
            yield GetQueuedCompletionStatus(port, 0)
        yield peek("drained", gauges)
        ok = True
        while ok:
            ok = yield PostQueuedCompletionStatus(port, 0, 0, None)
        err = yield GetLastError()
        yield note("full", err=err)
    o = run(main, config={"npp_limit": 100_000})
    assert o.note("posted").npp - o.note("base").npp == 56_000
    assert o.note("drained").npp == o.note("base").npp
    assert o.note("full").err == ERROR_NO_SYSTEM_RESOURCES


def test_afd_buffered_bytes_are_nonpaged_until_read():
    """E4 (KB293841): data AFD buffers for a program that does not read is charged to non-paged pool (tag
    afd-recv) until it is read; data in the send buffer (afd-send) until acknowledged."""
    def main():
        s, c = yield tcp_pair()
        yield peek("base", gauges)
        yield send(c, b"x" * 3000)
        yield peek("sent", gauges)
        yield Sleep(1)
        yield peek("arrived", gauges)
        yield recv(s, 5000)
        yield peek("read", gauges)
    o = run(main)
    assert o.note("sent").tags["afd-send"] == 3000
    assert o.note("arrived").tags["afd-recv"] == 3000 and o.note("arrived").tags["afd-send"] == 0
    assert o.note("read").npp == o.note("base").npp


def test_wine_profile_has_no_memory_limits():
    """WINE.md: Wine let 100,000 × 64 KB receives pend — the wine profile never answers WSAENOBUFS."""
    def main():
        failures = 0
        for i in range(300):
            s, c = yield tcp_pair()
            rc, n, f = yield WSARecv(s, WSABUF(65536), OVERLAPPED())
            err = yield WSAGetLastError()
            failures += err == WSAENOBUFS
        yield note("failures", n=failures)
    assert run(main, config={"phys_mb": 64}).note("failures").n > 0
    assert run(main, config={"phys_mb": 64}, profile="wine").note("failures").n == 0


def test_memory_returns_to_baseline_after_close():
    """E1–E4: after every socket is closed and every completion dequeued, NPP and locked pages are back to
    zero (the memory() helper reports the same gauges to scenarios)."""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        s, c = yield tcp_pair()
        yield CreateIoCompletionPort(s, port, 1, 0)
        yield WSARecv(s, WSABUF(9000, offset=10), OVERLAPPED())
        yield WSASend(s, WSABUF(b"y" * 20000), OVERLAPPED())
        during = yield memory()
        yield note("during", npp=during[0], locked=during[1])
        yield closesocket(s)
        yield closesocket(c)
        yield Sleep(5)
        for _ in range(2):
            yield GetQueuedCompletionStatus(port, 0)
        after = yield memory()
        yield note("after", npp=after[0], locked=after[1])
    o = run(main)
    assert o.note("during").locked > 0
    assert (o.note("after").npp, o.note("after").locked) == (0, 0)


def test_e1_a_reset_frees_the_send_data_a_closed_socket_still_buffered():
    """E1, D6: a socket closed gracefully keeps the bytes the peer's window had no room for, to send
    them before its FIN (D7); when the peer then resets, no connection is left to carry them and their
    non-paged pool is freed.  (Found by test_socket_invariants: 8,193 bytes against a full 8,192-byte
    window left 1 byte charged to afd-send for ever.)"""
    def main():
        port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
        s, c = yield tcp_pair()
        yield CreateIoCompletionPort(s, port, 1, 0)
        yield WSASend(s, WSABUF(b"z" * 8193), OVERLAPPED())      # one byte more than the peer's window
        yield Sleep(1)
        yield closesocket(s)
        held = yield memory()
        yield note("held", npp=held[0])
        yield setsockopt(c, SOL_SOCKET, SO_LINGER, LINGER(1, 0))
        yield closesocket(c)
        yield Sleep(1)
        yield GetQueuedCompletionStatus(port, 0)
        after = yield memory()
        yield note("after", npp=after[0], locked=after[1])
    o = run(main)
    assert o.note("held").npp > 0
    assert (o.note("after").npp, o.note("after").locked) == (0, 0)


# --- E3 as the NT 4/2000 rule, E8 the modern non-paged pool maximum (CONFIG memory_rule) -----------------

def _limits(config):
    def main():
        yield Sleep(0)
    k = run(main, config=config).kernel
    return k.pool.npp_limit, k.pool.locked_limit


def test_e3_the_default_rule_is_nt4s_one_eighth_of_ram_for_locked_pages():
    """E3 [D-historical]: by default the model locks at most 1/8 of RAM (the NT 4/2000 guidance of
    MS-MAG2000) and non-paged pool is the npp_limit parameter (64 MB)."""
    assert _limits({"phys_mb": 64}) == (64 * 1024 * 1024, 2048)
    assert _limits({"phys_mb": 64, "memory_rule": "nt4"}) == (64 * 1024 * 1024, 2048)


def test_e8_non_paged_pool_maximum_by_windows_version():
    """E8 (MS "Memory Limits for Windows and Windows Server Releases", 64-bit): Vista 40 % of RAM,
    Windows 7 / 2008 R2 75 % of RAM, each at most 128 GB; Windows 8.1 and later all of RAM, at most 16 TB.
    No fixed share caps locked pages: all of RAM may be locked."""
    mb = 1024 * 1024
    assert _limits({"phys_mb": 64, "memory_rule": "vista"}) == (int(64 * mb * 0.40), 16384)
    assert _limits({"phys_mb": 64, "memory_rule": "win7"}) == (48 * mb, 16384)
    assert _limits({"phys_mb": 64, "memory_rule": "win81"}) == (64 * mb, 16384)
    assert _limits({"phys_mb": 1024 * 1024, "memory_rule": "win7"})[0] == 128 * 1024 * mb     # 1 TB: the cap
    assert _limits({"phys_mb": 64, "memory_rule": "win7", "npp_limit": 5 * mb})[0] == 5 * mb  # explicit wins


def test_e8_socket_creation_fails_with_wsaenobufs_when_the_modern_pool_is_full():
    """E4 + E8: under the Windows 7 rule a 16 MB machine has 12 MB of non-paged pool; connected pairs
    (2 × 3 KB) are created until tcp_pair fails with WSAENOBUFS, with no page locked at all."""
    def main():
        n = 0
        while True:
            s, c = yield tcp_pair()
            if s == INVALID_SOCKET:
                break
            n += 1
        err = yield WSAGetLastError()
        npp, locked = yield memory()
        yield note("full", pairs=n, err=err, npp=npp, locked=locked)
    o = run(main, config={"phys_mb": 16, "memory_rule": "win7"})
    full = o.note("full")
    assert (full.err, full.locked) == (WSAENOBUFS, 0)
    assert full.pairs == (12 * 1024 * 1024) // (2 * 3072)


def test_an_unknown_memory_rule_is_a_load_error_naming_the_config_line(tmp_path, capsys):
    """Bad input: CONFIG memory_rule "win95" → exit 2, the file and the CONFIG line, no traceback."""
    from kernelsim.cli import main as cli_main
    path = tmp_path / "bad_rule.py"
    path.write_text('from kernelsim.win32 import *\n\nCONFIG = {"memory_rule": "win95"}\n\n\n'
                    'def main():\n    yield Sleep(0)\n')
    assert cli_main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad_rule.py, line 3" in err and "memory_rule 'win95'" in err and "Traceback" not in err

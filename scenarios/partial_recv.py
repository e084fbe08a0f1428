"""Partial receives: a message split across completions, two messages in one — reassemble from the stream.

A stream receive completes as soon as *any* bytes are there (D1): the
client sends one 2-byte-header message in three pieces, and the server's
WSARecv — 64 bytes asked for — completes three times, with 32, 40 and 46
bytes.  The last piece travels with the whole next message, so one
completion carries the end of message 1 and all of message 2.  A handler
that takes each completion for one message sees garbage; the course
library's way is right: append each completion's bytes to the session's
RecvQ (ring buffer), and hand content a payload only when the header's
length is all there ("OnRecv: 헤더를제외하고 PayLoad만을 컨텐츠쪽에 전달").

The client sends each piece after the server has handled the previous
completion (an event), so the sizes are the same on every run, live too.
"""

from kernelsim.win32 import *

TITLE = "Partial receives: a message split over three completions, two in one; reassembly by header"
TEACHES = "Send/Recv 중첩으로 걸때 걱정하는것? — Recv/Send의 반환값이 우리가 요청한 것보다 적게 반환이된 경우는 절대없다."
RULES = ("D1", "D2", "B14")
SEED_CORRECTION = {
    "notes": "단 한가지 예외로, 소켓연결이 끊겼을 경우는 요청한 값 미만으로 올수있음. 이 경우 어차피 끊을 대상이므로 고려사항 X",
    "windows": "Fewer bytes than requested is the normal case of a stream receive, connection alive: it "
               "completes with whatever has arrived (32, 40 and 46 of 64 here), and one completion can hold "
               "the end of one message and the next.  Messages must be reassembled from the byte stream.",
    "ko": "요청보다 적게 받는 것은 연결이 살아 있을 때도 스트림 수신의 평범한 경우입니다. 도착한 만큼으로 완료되고"
          "(여기서는 64 중 32, 40, 46), 완료통지 하나에 한 메시지의 끝과 다음 메시지가 같이 올 수도 있습니다. "
          "메시지는 바이트 스트림에서 헤더 길이로 다시 조립해야 합니다.",
    "rule": "D1",
}
CONFIG = {"cpus": 2}
HEADER = 2
SIZES = [30, 40]            # the first message's payload is cut after these many payload bytes


def variant(rng):
    return {"SIZES": [rng.randint(5, 40), rng.randint(5, 40)]}


PAYLOAD1 = bytes(range(100))
PAYLOAD2 = b"second message"


def frame(payload):
    return len(payload).to_bytes(HEADER, "little") + payload


QUESTIONS = [
    ("WSARecv asks for 64 bytes each time: how many bytes does each completion bring?",
     lambda o: [n.nbytes for n in o.notes("completion")]),
    ("A handler that takes each completion for one message: how many 'messages' does it see?",
     lambda o: len(o.notes("completion"))),
    ("Reassembled by the header's length: which payload lengths reach content?",
     lambda o: [n.length for n in o.notes("message")]),
]


def piece_ends():
    """Where the client cuts the stream: after SIZES[0] payload bytes, SIZES[1] more, and the rest."""
    cut1 = HEADER + SIZES[0]
    return [cut1, cut1 + SIZES[1], 2 * HEADER + len(PAYLOAD1) + len(PAYLOAD2)]


def client(c, next_piece):
    stream = frame(PAYLOAD1) + frame(PAYLOAD2)
    cut1, cut2, end = piece_ends()
    for piece in (stream[:cut1], stream[cut1:cut2], stream[cut2:]):   # the last: message 1's end + message 2
        yield send(c, piece)
        yield WaitForSingleObject(next_piece, INFINITE)


def main():
    port = yield CreateIoCompletionPort(INVALID_HANDLE_VALUE, None, 0, 0)
    s, c = yield tcp_pair()
    yield CreateIoCompletionPort(s, port, 1, 0)
    next_piece = yield CreateEvent(None, FALSE, FALSE, None)
    buf = WSABUF(64)
    yield WSARecv(s, buf, OVERLAPPED(op="recv"))          # posted before the client exists: it pends
    t = yield CreateThread(client, c, next_piece, name="client")
    recvq = bytearray()                                  # the session's RecvQ
    total = 2 * HEADER + len(PAYLOAD1) + len(PAYLOAD2)
    got = 0
    while got < total:
        ok, nbytes, key, ov = yield GetQueuedCompletionStatus(port, 1000)
        yield note("completion", nbytes=nbytes)
        got += nbytes
        recvq += buf.buf[:nbytes]
        while len(recvq) >= HEADER:                      # OnRecv only for a whole message
            length = int.from_bytes(recvq[:HEADER], "little")
            if len(recvq) < HEADER + length:
                break
            yield note("message", length=length, payload=bytes(recvq[HEADER:HEADER + length]))
            del recvq[:HEADER + length]
        if got < total:
            buf = WSABUF(64)
            yield WSARecv(s, buf, OVERLAPPED(op="recv"))      # the next receive, before the next piece
        if got in piece_ends():
            yield SetEvent(next_piece)                   # the whole piece is in: the client sends the next
    yield WaitForSingleObject(t, INFINITE)
    yield closesocket(s)
    yield closesocket(c)


def check(outcome):
    done = [n.nbytes for n in outcome.notes("completion")]
    total = 2 * HEADER + len(PAYLOAD1) + len(PAYLOAD2)
    assert sum(done) == total and all(0 < n <= 64 for n in done), "every byte once, 64 at most each (D1)"
    assert done[0] == HEADER + SIZES[0] < 64, "fewer bytes than asked for: the connection is alive (D1)"
    assert [n.payload for n in outcome.notes("message")] == [PAYLOAD1, PAYLOAD2]

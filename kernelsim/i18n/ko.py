"""The Korean catalogue: English message → 한국어, in the course notes' own terms.

Written for Korean students of the course (IOCP, 완료통지, 워커스레드, 세션,
끊김통지, IOCount, 논페이지드 풀, 페이지락 …), not as a word-for-word
translation.  A key is the English text exactly as the code writes it; a
``{slot}`` in a key matches any text and is carried into the translation.
``tests/test_i18n.py`` fails when a narration template, a *why*, a CLI
message given to ``tr()``, a catalogue title or a quiz question has no entry
here — add the missing line to the right table.
"""

# --- narration: the templates passed to kernel.emit (the {fields} are filled in afterwards) ---------
NARRATION = {
    "{thread} waits on {what}": "{thread} 대기: {what}",
    "{thread} waits on {what} (alertable)": "{thread} 대기: {what} (alertable wait)",
    "{thread} wakes": "{thread} 깨어남",
    "{thread} released with {what}": "{thread} 깨어남, 받은 완료통지: {what}",
    "{thread} dequeues {what} at once": "{thread} 블락 없이 바로 꺼냄: {what}",
    "packet {packet} queued on port {port} (depth {depth})":
        "완료통지 {packet}, 포트 {port}의 큐에 쌓임 (쌓인 개수 {depth})",
    "{thread} posts key={key} {ov} {n}B to port {port}": "{thread} PQCS: 포트 {port}에 key={key} {ov} {n}B",
    "{thread} creates port {port} with MaximumCount {maximum}":
        "{thread} IOCP 생성: 포트 {port}, MaximumCount {maximum}",
    "{thread} associates handle {h} with port {port}, key {key}":
        "{thread} 핸들 {h} → 포트 {port} 등록 (Completion Key {key})",
    "{thread} creates thread {new}": "{thread} 스레드 {new} 생성",
    "{thread} exits": "{thread} 종료",
    "{thread} notes {tag} {shown}": "{thread} 기록: {tag} {shown}",
    "{thread} computes for {ms} ms on a CPU": "{thread} CPU에서 {ms} ms 동안 연산",
    "{thread} sets {event}": "{thread} SetEvent: {event}",
    "{thread} closes handle {handle}": "{thread} CloseHandle: 핸들 {handle}",
    "{thread} duplicates handle {h}: handle {new} names the same object":
        "{thread} 핸들 {h} 복제: 핸들 {new}도 같은 객체를 가리킴",
    "{thread} installs invariant {invariant}": "{thread} 불변식 등록: {invariant}",
    "APC {apc} queued to {thread}": "APC {apc}, {thread} 스레드의 APC큐에 들어감",
    "{thread} runs APC {apc}": "{thread} APC {apc} 실행",
    "APC {apc} discarded: {thread} ended before an alertable wait (C8)":
        "APC {apc} 버려짐: {thread} 스레드가 alertable wait에 들어가기 전에 종료됨 (C8)",
    "{thread}'s wait returns {result}: APCs ran, the object was not waited for (C5)":
        "{thread}의 대기가 {result} 리턴: APC가 실행되었을 뿐, 기다리던 객체는 아직임 (C5)",
    "{thread}'s {call} returns {result}: APCs ran, the object was not waited for (C5)":
        "{thread}의 {call}: {result} 리턴 — APC가 실행되었을 뿐, 기다리던 객체는 아직임 (C5)",
    "QueueUserAPC to {target} fails: ERROR_GEN_FAILURE": "{target} 스레드에 QueueUserAPC 실패: ERROR_GEN_FAILURE",
    "completion routine of IRP {irp} dropped: {thread} has ended (C8)":
        "IRP {irp}의 완료루틴 버려짐: {thread} 스레드가 이미 종료됨 (C8)",
    "IRP {irp} ({op} on socket {sock}, {ov}) completes: {status}, {n} bytes":
        "IRP {irp} (소켓 {sock}의 {op}, {ov}) 완료: {status}, {n}바이트",
    "IRP {irp} ({op} on socket {sock}, {ov}) succeeds at once: {status}, {n} bytes":
        "IRP {irp} (소켓 {sock}의 {op}, {ov}) 즉시 성공: {status}, {n}바이트",
    "no packet for IRP {irp}: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS and it succeeded at once (B6)":
        "IRP {irp}의 완료통지 없음: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS가 켜져 있고 즉시 성공했기 때문 (B6)",
    "run ends: {detail}": "실행 끝: {detail}",
    "socket {h} closes": "소켓 {h} 닫힘",
    "socket {h} closes abortively (linger {{1,0}}: RST)": "소켓 {h} 강제 종료 (LINGER {{1,0}}: RST 전송)",
    "socket {h} closes with {n} bytes unread: RST": "소켓 {h} 닫힘, 읽지 않은 {n}바이트가 남아 있어 RST 전송",
    "{n} bytes arrive at socket {h}": "소켓 {h}에 {n}바이트 도착",
    "FIN arrives at socket {h}: the peer closed gracefully": "소켓 {h}에 FIN 도착: 상대가 정상 종료함",
    "RST arrives at socket {h}: the connection is reset": "소켓 {h}에 RST 도착: 연결이 리셋됨",
    "{thread} CancelIo({h}): {n} request(s) cancelled": "{thread} CancelIo({h}): 요청 {n}개 취소",
    "{thread} CancelIoEx({h}, {ov}) fails: ERROR_NOT_FOUND": "{thread} CancelIoEx({h}, {ov}) 실패: ERROR_NOT_FOUND",
    "{thread} CancelIoEx({h}, {ov}): {n} request(s) cancelled": "{thread} CancelIoEx({h}, {ov}): 요청 {n}개 취소",
    "{thread} calls closesocket({h})": "{thread} closesocket({h}) 호출",
    "{thread} calls closesocket({h}): another handle to the socket stays open, so nothing is cancelled":
        "{thread} closesocket({h}) 호출: 같은 소켓을 가리키는 핸들이 아직 남아 있어 아무것도 취소되지 않음",
    "{thread} connects socket {h} to {addr}": "{thread} connect: 소켓 {h} → {addr}",
    "{thread} connects sockets {a} (server) and {b} (client) over loopback":
        "{thread} 루프백 연결: 소켓 {a}(서버) ↔ {b}(클라)",
    "{thread} creates socket {h}": "{thread} 소켓 {h} 생성",
    "{thread} sets completion notification modes {flags} on {h}": "{thread} 소켓 {h}의 완료통지 모드를 {flags}로 설정",
    "{thread} sets {opt}={v} on socket {h}": "{thread} 소켓 {h}에 {opt}={v} 설정",
    "{thread} shuts down sending on socket {h}: FIN follows the queued data":
        "{thread} shutdown(SD_SEND) 소켓 {h}: 남은 데이터를 다 보낸 뒤 FIN",
    "{thread}'s {call} fails at once: {err}": "{thread}의 {call} 즉시 실패: {err}",
    "{thread}'s {call} on {h} pends (IRP {irp}, {pages} page(s) locked)":
        "{thread}의 {call}({h}) WSA_IO_PENDING — IRP {irp}, 페이지 {pages}개 페이지락",
    "{thread}'s {call} on {h} succeeds at once: {n} bytes copied to the send buffer":
        "{thread}의 {call}({h}) 즉시 성공: {n}바이트를 송신버퍼로 복사",
    "{thread}'s {call} on {h} succeeds at once with {n} bytes": "{thread}의 {call}({h}) 즉시 성공: {n}바이트",
    "{thread}'s {call} returns": "{thread}의 {call} 리턴",
    "{thread}'s GQCS times out at once": "{thread}의 GQCS 즉시 타임아웃",
    "{thread}'s PostQueuedCompletionStatus fails: ERROR_NO_SYSTEM_RESOURCES":
        "{thread}의 PQCS 실패: ERROR_NO_SYSTEM_RESOURCES",
    "{thread}'s accept returns socket {h}": "{thread}의 accept 리턴: 소켓 {h}",
    "INVARIANT BROKEN ({invariant}): {detail}": "불변식 위반 ({invariant}): {detail}",
    "socket {h}'s connection stays in the transport (FIN_WAIT): {n} bytes of non-paged pool":
        "소켓 {h}의 연결은 TCP 스택에 남음 (FIN_WAIT): 논페이지드 풀 {n}바이트",
    "socket {h}'s connection enters TIME_WAIT for {ms} ms": "소켓 {h}의 연결이 {ms} ms 동안 TIME_WAIT에 들어감",
    "socket {h}'s TCB is freed: {n} bytes of non-paged pool back": "소켓 {h}의 TCB 해제: 논페이지드 풀 {n}바이트 반환",
    "{thread}'s {call} on {h} returns at once: {what}": "{thread}의 {call}({h}) 바로 리턴: {what}",
    "{thread}'s {call} fails: {error} ({code}), returns {result}": "{thread}의 {call} 실패: {error} ({code}), 리턴값 {result}",
    "socket {h} records {names} and sets {event}": "소켓 {h}에 {names} 기록, {event} 시그널",
    "{thread} asks socket {h} for network events {mask:#x} on {event}": "{thread} WSAEventSelect: 소켓 {h}, 네트워크 이벤트 {mask:#x}, {event}",
    "{thread} sets SO_UPDATE_ACCEPT_CONTEXT on socket {h}: it takes the options of listening socket {l}":
        "{thread} 소켓 {h}에 SO_UPDATE_ACCEPT_CONTEXT 설정: 리슨 소켓 {l}의 옵션을 물려받음",
    "{thread}'s AcceptEx on {h} pends: socket {a} waits for a connection (IRP {irp})":
        "{thread}의 AcceptEx({h}) 보류: 소켓 {a}가 연결을 기다림 (IRP {irp})",
    "{thread}'s select returns {n}": "{thread}의 select 리턴: {n}",
    "{thread}'s select returns {n} at once": "{thread}의 select 바로 리턴: {n}",
    # the network library's own rows (netlib)
    "{thread} releases session {sid} (slot {slot}, socket {sock})": "{thread} 세션 {sid} Release (슬롯 {slot}, 소켓 {sock})",
    "{thread} calls OnLeave({sid})": "{thread} OnLeave({sid}) 호출",
    "{thread}: {request}({sid}) refused: {reason}": "{thread}: {request}({sid}) 거절: {reason}",
    # user-mode locks (L1–L11)
    "{thread} initialises {lock}": "{thread} {lock} 초기화",
    "{thread} deletes {lock}": "{thread} {lock} 삭제 (DeleteCriticalSection)",
    "{thread} enters {lock}": "{thread} {lock} 진입",
    "{thread} enters {lock} again: RecursionCount {n}": "{thread} {lock} 재진입: RecursionCount {n}",
    "{thread} enters {lock} (TryEnterCriticalSection): RecursionCount {n}":
        "{thread} {lock} 진입 (TryEnterCriticalSection): RecursionCount {n}",
    "{thread}'s TryEnterCriticalSection({lock}) returns FALSE: {held}": "{thread}의 TryEnterCriticalSection({lock}) FALSE: {held}",
    "{thread} leaves {lock}: RecursionCount {n}, still its owner": "{thread} {lock} 한 번 나감: RecursionCount {n}, 아직 소유자",
    "{thread} leaves {lock}: it is free": "{thread} {lock} 나감: 이제 비어 있음",
    "{thread} acquires {lock} exclusively": "{thread} {lock} 배타 획득",
    "{thread} acquires {lock} exclusively (TryAcquire)": "{thread} {lock} 배타 획득 (TryAcquire)",
    "{thread} acquires {lock} shared (readers: {readers})": "{thread} {lock} 공유 획득 (읽는 스레드: {readers})",
    "{thread} acquires {lock} shared (TryAcquire; readers: {readers})":
        "{thread} {lock} 공유 획득 (TryAcquire; 읽는 스레드: {readers})",
    "{thread}'s TryAcquireSRWLockExclusive({lock}) returns FALSE: {held}":
        "{thread}의 TryAcquireSRWLockExclusive({lock}) FALSE: {held}",
    "{thread}'s TryAcquireSRWLockShared({lock}) returns FALSE: {held}": "{thread}의 TryAcquireSRWLockShared({lock}) FALSE: {held}",
    "{thread} releases {lock} (exclusive): it is free": "{thread} {lock} 배타 해제: 이제 비어 있음",
    "{thread} releases {lock} (shared): it is free": "{thread} {lock} 공유 해제: 이제 비어 있음",
    "{thread} releases {lock} (shared): readers left: {readers}": "{thread} {lock} 공유 해제: 남은 읽는 스레드: {readers}",
    "{thread} exits holding {lock}: it stays held": "{thread} {lock}을(를) 잡은 채 종료: 락은 잡힌 채로 남음",
    "{thread} is woken to compete for {lock}": "{thread} 깨어남: {lock}을(를) 두고 다시 경쟁",
    "{lock} is handed to {thread}": "{lock}, {thread}에게 넘어감",
    "{thread} is held back until the next timed event": "{thread} 다음 시간 이벤트까지 붙잡힘 (지연)",
    "{thread} held back until {until} ms: it may run again": "{thread} {until} ms까지 붙잡혀 있다가 다시 실행 가능",
    "{thread} CancelIoEx({h}, NULL): nothing was pending, TRUE all the same":
        "{thread} CancelIoEx({h}, NULL): 걸린 I/O가 없는데도 TRUE",
    "{thread} runs its APCs inside {what}; the call then goes on waiting":
        "{thread}, {what} 대기 안에서 APC 실행; 호출은 그 뒤 계속 기다림",
    "{thread}'s APCs ran and its call returns: it completed meanwhile":
        "{thread}의 APC 실행 끝, 호출 리턴: 그 사이에 완료됨",
    "{thread}'s APCs ran; it goes on waiting on {what}": "{thread}의 APC 실행 끝; {what} 계속 대기",
    "{thread}'s wait on {what} times out": "{thread}의 {what} 대기 타임아웃",
}

# --- the *why* after the dash -----------------------------------------------------------------------
WHY = {
    "{who} exited with this I/O pending (B13)": "{who} 스레드가 이 I/O를 걸어 둔 채 종료함 (B13)",
    "{who} was signalled": "{who} 시그널됨",
    "{what}: the timeout elapsed": "{what}: 타임아웃 경과",
    "CurrentCount {a} >= MaximumCount {b}: no room (A2)": "CurrentCount {a} >= MaximumCount {b}: 깨울 자리가 없음 (A2)",
    "D4: with SO_SNDBUF 0 every send pends": "D4: SO_SNDBUF가 0이면 모든 Send가 WSA_IO_PENDING",
    "D7: I/O is cancelled only when the last handle closes": "D7: I/O는 마지막 핸들이 닫힐 때에만 취소됨",
    "NumberOfConcurrentThreads 0 means one per CPU (A1)": "NumberOfConcurrentThreads 0은 논리 CPU 개수 (A1)",
    "NumberOfConcurrentThreads is ignored for an existing port (A1)":
        "이미 만든 포트에 등록할 때 NumberOfConcurrentThreads는 무시됨 (A1)",
    "SO_SNDBUF is 0: AFD buffers nothing and sends from the locked application buffer (D4)":
        "SO_SNDBUF가 0: AFD가 복사해 두지 않고, 페이지락 걸린 우리 버퍼에서 바로 보냄 (D4)",
    "WSAGetOverlappedResult waits non-alertably (oracle 2.6)":
        "WSAGetOverlappedResult는 alertable wait가 아닌 일반 대기 (oracle 2.6)",
    "a connection arrived": "연결이 들어옴",
    "a packet was queued (A3)": "큐에 완료통지가 있었음 (A3)",
    "a packet was queued and CurrentCount {a} < MaximumCount {b} (A3)":
        "큐에 완료통지가 있고 CurrentCount {a} < MaximumCount {b} (A3)",
    "a user APC arrived during an alertable wait (C2)": "alertable wait 중에 유저 APC가 들어옴 (C2)",
    "alertable wait: queued APCs run now, oldest first (C4)":
        "alertable wait: APC큐에 쌓인 것들을 들어온 순서대로 지금 실행 (C4)",
    "an immediate success still notifies (B5)": "즉시 성공해도 완료통지는 옴 (B5)",
    "an invariant of the race layer failed at this step (DESIGN §7)": "이 단계에서 레이스 계층의 불변식이 깨짐 (DESIGN §7)",
    "another handle to the object stays open: the object lives on": "같은 객체를 가리키는 핸들이 남아 있어 객체는 살아 있음",
    "cancelled (B12)": "취소됨 (B12)",
    "CancelIo (B12, D8)": "CancelIo로 취소 (B12, D8)",
    "CancelIoEx (B12, D8)": "CancelIoEx로 취소 (B12, D8)",
    "closesocket returns at once; completions arrive afterwards (D7)": "closesocket은 바로 리턴하고, 완료통지는 그 뒤에 옴 (D7)",
    "closesocket: the last handle closed, pending I/O of every thread ends with {status} (D7, close_error_mode={mode})":
        "closesocket: 마지막 핸들이 닫혀, 어느 스레드가 건 I/O든 {status}로 끝남 (D7, close_error_mode={mode})",
    "data arrived; a zero-byte receive leaves it queued (E6)": "데이터 도착: Zero Byte Recv는 데이터를 수신버퍼에 그대로 둠 (E6)",
    "data arrived; any byte completes a stream receive (D1, D2)": "데이터 도착: TCP Recv는 1바이트만 와도 완료 (D1, D2)",
    "data was already buffered — and the completion is still notified (D1, B5)":
        "수신버퍼에 이미 데이터가 있었음 — 그래도 완료통지는 옴 (D1, B5)",
    "it fits in SO_SNDBUF={n} — and the completion is still notified (D3, B5)":
        "SO_SNDBUF={n} 안에 들어감 — 그래도 완료통지는 옴 (D3, B5)",
    "its {op} completed": "걸어 둔 {op} 완료",
    "its bytes now fit in the send buffer (SO_SNDBUF, D3)": "이제 송신버퍼에 자리가 생김 (SO_SNDBUF, D3)",
    "modes cannot be cleared once set (B6)": "한 번 켠 모드는 끌 수 없음 (B6)",
    "no non-paged memory for the mini-packet (A11)": "미니 패킷에 쓸 논페이지드 메모리가 없음 (A11)",
    "no pending request matched (B12)": "걸려 있는 요청 중 일치하는 것이 없음 (B12)",
    "no thread waits": "기다리는 스레드가 없음",
    "nothing is buffered": "수신버퍼가 비어 있음",
    "nothing is buffered yet": "아직 수신버퍼가 비어 있음",
    "nothing is buffered: the buffer is locked and the request waits (D2, E2)":
        "수신버퍼가 비어 있음: 우리 버퍼에 페이지락을 걸고 요청은 대기 (D2, E2)",
    "sent {ms} ms ago over loopback": "{ms} ms 전에 루프백으로 보낸 데이터",
    "the connection was reset (D6)": "연결이 리셋됨 (D6)",
    "the connection was reset: no IRP, no packet (D6, B4)": "이미 리셋된 연결: IRP도 완료통지도 없음 (D6, B4)",
    "the listening socket was closed": "리슨 소켓이 닫힘",
    "the peer closed gracefully: 0 bytes (D5)": "상대가 정상 종료: 0바이트 (끊김통지, D5)",
    "the peer had closed: 0 bytes — and the completion is still notified (D1, B5)":
        "상대가 이미 종료: 0바이트 — 그래도 완료통지는 옴 (D1, B5)",
    "the peer reset the connection (D6)": "상대가 연결을 리셋함 (D6)",
    "the port handle was closed: ERROR_ABANDONED_WAIT_0 (A10)": "포트 핸들이 닫힘: ERROR_ABANDONED_WAIT_0 (A10)",
    "the request completed": "요청 완료",
    "the request failed": "요청 실패",
    "the send buffer is full ({a}/{b} bytes) or sends are queued ahead (D3)":
        "송신버퍼가 찼거나({a}/{b}바이트) 앞선 Send가 기다리는 중 (D3)",
    "the thread has ended (C8)": "스레드가 이미 종료됨 (C8)",
    "the transport has taken all its bytes (D3, D4)": "TCP 스택이 모든 바이트를 가져감 (D3, D4)",
    "they complete with STATUS_CANCELLED (995) through the normal path (B12)":
        "취소된 요청도 평소처럼 STATUS_CANCELLED (995)로 완료통지됨 (B12)",
    "user APCs wait for an alertable wait (C2)": "유저 APC는 alertable wait를 기다림 (C2)",
    "{who} blocked elsewhere, so its slot goes to a waiter (A5)":
        "{who} 스레드가 다른 곳에서 블락되어, 그 자리가 기다리던 스레드에게 감 (A5)",
    "{who} exited, so its slot goes to a waiter (A8)": "{who} 스레드가 종료되어, 그 자리가 기다리던 스레드에게 감 (A8)",
    "hang": "멈춤",
    "time limit": "시간 한도",
    "step limit": "단계 한도",
    "event limit": "이벤트 한도",
    "spin limit": "반복 한도",
    "error": "오류",
    "invariant violated": "불변식 위반",
    "main returned": "main 리턴",
    "locking {n} more page(s) would pass the limit ({a}/{b} locked, {limit}): no IRP stays, no packet (E5)":
        "페이지 {n}개를 더 락하면 한계를 넘음 (지금 {a}/{b} 락, {limit}): IRP는 남지 않고 완료통지도 없음 (E5)",
    "no non-paged pool for the MDL ({limit}): no IRP stays, no packet (E2, E5)":
        "MDL을 할당할 논페이지드 풀이 없음 ({limit}): IRP는 남지 않고 완료통지도 없음 (E2, E5)",
    "no non-paged pool for the endpoints (E4; {limit})": "엔드포인트들을 만들 논페이지드 풀이 없음 (E4; {limit})",
    "no non-paged pool for another endpoint (E4; {limit})": "엔드포인트를 하나 더 만들 논페이지드 풀이 없음 (E4; {limit})",
    "no non-paged pool for the IRP (E1, E5; {limit})": "IRP를 할당할 논페이지드 풀이 없음 (E1, E5; {limit})",
    "no non-paged pool to buffer the data (E4, E5; {limit})": "데이터를 버퍼링할 논페이지드 풀이 없음 (E4, E5; {limit})",
    "the side that closes first keeps its TCB until the peer's FIN, then TIME_WAIT (E9)":
        "먼저 끊은 쪽은 상대의 FIN이 올 때까지 TCB를 들고 있고, 그다음 TIME_WAIT (E9)",
    "2MSL after an active close (TcpTimedWaitDelay, E9); an abortive close would have skipped it":
        "먼저 끊은 쪽은 2MSL 동안 (TcpTimedWaitDelay, E9); 강제 종료(RST)였다면 건너뛰었을 것",
    "TIME_WAIT ended (E9)": "TIME_WAIT 끝 (E9)",
    "the peer reset the connection: no TIME_WAIT (E9)": "상대가 연결을 리셋함: TIME_WAIT 없음 (E9)",
    "closing with data unread resets the connection (RFC 1122 4.2.2.13, D6)":
        "받은 데이터를 다 읽지 않고 닫으면 FIN이 아니라 RST로 연결이 끊긴다 (RFC 1122 4.2.2.13, D6)",
    "it answered data with a RST: the connection is gone, no TIME_WAIT (E9)":
        "닫힌 소켓에 온 데이터에 RST로 답함: 연결이 없어졌으니 TIME_WAIT도 없음 (E9)",
    "newest waiter (LIFO) (A2, A4)": "가장 늦게 기다린 스레드 (LIFO, stack방식) (A2, A4)",
    "oldest waiter (Wine 8 releases FIFO) (A2, A4)": "가장 먼저 기다린 스레드 (Wine 8은 FIFO로 깨움) (A2, A4)",
    "no packet is queued": "큐에 완료통지가 없음",
    "packets are queued but CurrentCount {a} >= MaximumCount {b} (A3, A9)":
        "완료통지는 쌓여 있지만 CurrentCount {a} >= MaximumCount {b} (A3, A9)",
    "{who} moved to another port, so its slot goes to a waiter (A7)":
        "{who} 스레드가 다른 포트로 옮겨 가서, 그 자리가 기다리던 스레드에게 감 (A7)",
    "a completion routine on a port-associated socket (B9)": "IOCP에 등록한 소켓에 완료루틴을 줌 (B9)",
    "no non-paged pool for another endpoint (E4)": "엔드포인트를 하나 더 만들 논페이지드 풀이 없음 (E4)",
    "no non-paged pool for the IRP (E1, E5)": "IRP를 할당할 논페이지드 풀이 없음 (E1, E5)",
    "no non-paged pool for the endpoints (E4)": "엔드포인트들을 만들 논페이지드 풀이 없음 (E4)",
    "no non-paged pool to buffer the data (E4, E5)": "데이터를 버퍼링할 논페이지드 풀이 없음 (E4, E5)",
    "the connection cannot send (D6, B4)": "이 연결로는 보낼 수 없음 (D6, B4)",
    "too many outstanding receives (cap {cap}, D11)": "걸린 Recv가 너무 많음 (한도 {cap}, D11)",
    "deadlock": "데드락",
    "WSAEventSelect: recorded once, until the call that re-enables it (D13)": "WSAEventSelect: 한 번 기록되고, 다시 켜 주는 호출까지 그대로 (D13)",
    "WSAEventSelect: the socket is now non-blocking (D13)": "WSAEventSelect: 이제 이 소켓은 논블락 (D13)",
    "a client connected: socket {s} is the connection, in the default state until SO_UPDATE_ACCEPT_CONTEXT (D15)":
        "클라가 접속함: 소켓 {s}가 그 연결, SO_UPDATE_ACCEPT_CONTEXT 전까지는 기본 상태 (D15)",
    "an AcceptEx socket inherits the listener's options only now (D12)": "AcceptEx 소켓은 이제야 리슨 소켓의 옵션을 물려받음 (D12)",
    "nothing was ready and the timeout is 0": "준비된 것이 없고 타임아웃은 0",
    "socket {s} became ready": "소켓 {s}가 준비됨",
    "sockets were ready": "준비된 소켓이 있었음",
    "the accept is an overlapped request on the listening socket (D15)": "accept는 리슨 소켓에 건 overlapped 요청 (D15)",
    "the listening socket was closed under a pending AcceptEx (oracle 2.10, D15)": "AcceptEx가 걸린 채 리슨 소켓이 닫힘 (oracle 2.10, D15)",
    "Windows returns the failure value and sets the last error; nothing else happens":
        "Windows는 실패 값을 돌려주고 마지막 오류를 설정할 뿐, 다른 일은 일어나지 않음",
    "graceful close (D5)": "정상 종료 (D5)",
    "the connection cannot carry it (D5, D6)": "이 연결로는 보낼 수 없음 (D5, D6)",
    "the data fits in SO_SNDBUF: a blocking send returns once AFD has buffered it (D3)":
        "데이터가 SO_SNDBUF에 들어감: 블락 send는 AFD가 버퍼에 담으면 리턴 (D3)",
    "the data was already buffered (D1)": "수신버퍼에 이미 데이터가 있었음 (D1)",
    "IOCount reached 0 and one compare-exchange set the release flag (0 → RELEASE): no I/O and no SendPacket holds it":
        "IOCount가 0이 되었고 compare-exchange 한 번으로 Release 플래그를 세움 (0 → RELEASE): 어떤 I/O도 SendPacket도 세션을 잡고 있지 않음",
    "BUG release_on_recv0: released at Recv = 0, although a send completion may still come (IOCount ignored)":
        "버그 release_on_recv0: Recv = 0(끊김통지)에서 바로 Release — Send 완료통지가 아직 올 수 있는데도 (IOCount 무시)",
    "Session Find fail → return false: the library never touches a released or reused session":
        "Session Find fail → return false: 라이브러리는 Release됐거나 재사용된 세션을 건드리지 않음",
    "content hears of the disconnect once, after the release (끊김통지)": "컨텐츠는 Release 뒤에 끊김을 한 번만 통지받음 (OnLeave)",
    # user-mode locks (L1–L11)
    "{who} holds it exclusively and asks again (shared): SRW locks are not recursive (L7)":
        "{who} 스레드가 배타로 잡은 채 공유로 다시 요청: SRW 락은 재귀가 안 됨 (L7)",
    "{who} holds it shared and cannot upgrade: it waits for its own read lock (L7)":
        "{who} 스레드는 공유로 잡고 있어 배타로 올릴 수 없음: 자기 읽기 락을 기다림 (L7)",
    "{n} waiting": "{n}개 스레드가 기다리는 중",
    "{held}; a blocked EnterCriticalSection is a non-alertable wait (L3)":
        "{held}; 블락된 EnterCriticalSection은 alertable이 아닌 대기 (L3)",
    "{held}; a reader waits for the writer, non-alertably (L6, L3)": "{held}; 읽는 스레드는 쓰는 스레드를 일반 대기로 기다림 (L6, L3)",
    "{held}; a writer waits for every holder, non-alertably (L6, L3)":
        "{held}; 쓰는 스레드는 잡고 있는 모두를 일반 대기로 기다림 (L6, L3)",
    "SRW locks are not recursive: {who} already holds it exclusively, and now waits for itself (L7)":
        "SRW 락은 재귀가 안 됨: {who} 스레드가 이미 배타로 잡고 있는데 자기 자신을 기다림 (L7)",
    "TryAcquire never waits (L6)": "TryAcquire는 기다리지 않음 (L6)",
    "TryAcquire never waits; it fails while a writer holds the lock or waits for it (L6)":
        "TryAcquire는 기다리지 않음: 쓰는 스레드가 잡고 있거나 기다리는 동안은 실패 (L6)",
    "TryEnterCriticalSection never waits (L2)": "TryEnterCriticalSection은 기다리지 않음 (L2)",
    "a lock must be initialised before use (L1)": "락은 쓰기 전에 초기화해야 함 (L1)",
    "a release wakes a waiter — which one is not guaranteed — and it must still win the lock: locks are neither fair nor FIFO (L9)":
        "해제하면 기다리던 스레드 하나가 깨어나지만(어느 것인지는 보장 없음) 락은 다시 이겨야 얻음: 공정하지도 FIFO도 아님 (L9)",
    "a writer is waiting: readers queue behind it (L6)": "쓰는 스레드가 기다리는 중: 읽는 스레드는 그 뒤에 줄 섬 (L6)",
    "critsec_handoff: the oldest waiter owns it at once (XP; Wine 8 critsection.c)":
        "critsec_handoff: 가장 오래 기다린 스레드가 바로 소유 (XP; Wine 8 critsection.c)",
    "free, or already the caller's (L2)": "비어 있거나 이미 호출한 스레드의 것 (L2)",
    "it was free: RecursionCount 1 (L2)": "비어 있었음: RecursionCount 1 (L2)",
    "no writer holds it or waits (L6)": "쓰는 스레드가 잡고 있지도 기다리지도 않음 (L6)",
    "no writer holds it or waits: readers share it (L6)": "쓰는 스레드가 잡고 있지도 기다리지도 않음: 읽는 스레드끼리 공유 (L6)",
    "nobody held it (L6)": "아무도 잡고 있지 않았음 (L6)",
    "not recursive: FALSE even for its own holder (L7)": "재귀가 안 됨: 잡고 있는 스레드 자신에게도 FALSE (L7)",
    "nothing releases a lock when its owner ends; on Windows the lock's state is undefined and its waiters wait for ever (L10)":
        "소유자가 끝나도 락을 풀어 주는 것은 없음: Windows에서 락 상태는 정의되지 않고 기다리던 스레드는 영원히 기다림 (L10)",
    "one leave per enter (L2)": "진입 한 번에 나가기 한 번 (L2)",
    "the last reader left": "마지막 읽는 스레드가 나감",
    "the last reader left; {n} waiting": "마지막 읽는 스레드가 나감; {n}개 스레드가 기다리는 중",
    "the lock is free when its last reader leaves": "마지막 읽는 스레드가 나가야 락이 비어 있게 됨",
    "the owner enters again without waiting, and must leave {n} times (L2)":
        "소유자는 기다리지 않고 다시 진입하며, {n}번 나가야 함 (L2)",
    "unusable until initialised again (L1)": "다시 초기화할 때까지 쓸 수 없음 (L1)",
    "woken by the release, but the lock is {held} again: it waits again (L9)":
        "해제로 깨어났지만 락은 다시 {held}: 다시 기다림 (L9)",
    "woken by the release, it got to the lock first (L9)": "해제로 깨어나서 락을 먼저 차지함 (L9)",
    "a delay in the schedule: the thread is preempted although it could run":
        "스케줄의 지연: 실행할 수 있는데도 선점되어 밀려남",
    "it ended while its APCs run: the call returns after them (C2)":
        "APC가 도는 사이에 끝남: 호출은 APC가 끝난 뒤 리턴 (C2)",
    "nothing in the sets is ready yet; the wait is alertable and resumes after APCs (D14, C2, oracle 3.8)":
        "집합 안에 준비된 소켓이 아직 없음; alertable wait이며 APC 실행 뒤 계속 기다림 (D14, C2, 오라클 3.8)",
    "nothing is buffered; the wait is alertable and resumes after APCs (C2)":
        "받은 데이터가 없음; alertable wait이며 APC 실행 뒤 계속 기다림 (C2)",
    "nothing is buffered yet; the wait is alertable and resumes after APCs (C2)":
        "아직 받은 데이터가 없음; alertable wait이며 APC 실행 뒤 계속 기다림 (C2)",
    "the wait is alertable and resumes after APCs (C2, oracle 3.8)":
        "alertable wait이며 APC 실행 뒤 계속 기다림 (C2, 오라클 3.8)",
    "Wine 8 (measured live; cancel_all_empty_ok): Windows fails with ERROR_NOT_FOUND (B12)":
        "Wine 8 실측 (cancel_all_empty_ok): Windows는 ERROR_NOT_FOUND로 실패 (B12)",
    "Wine 8's accept waits without running APCs (blocking_accept_alertable=False)":
        "Wine 8의 accept는 APC를 실행하지 않고 기다림 (blocking_accept_alertable=False)",
    "a blocking Winsock call resumes its wait after APCs (C2, oracle 3.8)":
        "블락 Winsock 호출은 APC 실행 뒤 다시 기다림 (C2, 오라클 3.8)",
    "a blocking Winsock call waits alertably but does not return WAIT_IO_COMPLETION (C2, oracle 3.8)":
        "블락 Winsock 호출은 alertable wait이지만 WAIT_IO_COMPLETION을 돌려주지 않음 (C2, 오라클 3.8)",
    "a user APC arrived, but the wait's port was closed: the wait fails and the APC stays queued "
    "(Wine 8, closed_port_apc_fails)":
        "유저 APC가 왔지만 기다리던 포트가 닫혀 있음: 대기는 실패하고 APC는 큐에 남음 (Wine 8, closed_port_apc_fails)",
}

# --- field values shown inside narration ----------------------------------------------------------
FIELDS = {
    "port {n}": "포트 {n}",
    "event {n}": "이벤트 {n}",
    "thread {name}": "스레드 {name}",
    "recv on socket {n}": "소켓 {n}의 recv",
    "send on socket {n}": "소켓 {n}의 send",
    "accept on socket {n}": "소켓 {n}의 accept",
    "connect on socket {n}": "소켓 {n}의 connect",
    "main returned, so the process ends": "main이 리턴했으므로 프로세스가 끝남",
    "every thread waits and nothing is left to happen": "모든 스레드가 기다리는데 더 일어날 일이 없음",
    "simulated time passed {ms} ms": "시뮬레이션 시간이 {ms} ms를 넘음",
    "more than {n} calls were executed": "호출이 {n}번을 넘음",
    "owned by {who}, which has exited (L10)": "이미 종료한 {who} 스레드가 소유 (L10)",
    "held exclusively by {who}, which has exited (L10)": "이미 종료한 {who} 스레드가 배타로 잡고 있음 (L10)",
    "owned by {who}": "{who} 스레드가 소유",
    "held exclusively by {who}": "{who} 스레드가 배타로 잡고 있음",
    "held shared by {who}": "{who} 스레드가 공유로 잡고 있음",
    "free": "비어 있음",
    "no such slot": "그런 슬롯이 없음",
    "the session is released (its release flag is set)": "세션이 Release됨 (Release 플래그가 켜져 있음)",
    "a stale id: slot {n} now holds {sid}": "옛 SessionID: 슬롯 {n}에는 이제 {sid}가 있음",
    "no live session has that socket value": "그 소켓 값을 가진 살아 있는 세션이 없음",
    "SendQ is full ({used}/{size} bytes used, {n} to add)": "SendQ가 가득 참 ({used}/{size}바이트 사용 중, {n}바이트 추가)",
    "0 bytes: the peer closed (FIN)": "0바이트: 상대가 끊음 (FIN)",
    "{n} bytes": "{n}바이트",
    "{n} (bytes copied to the send buffer)": "{n} (송신버퍼로 복사한 바이트)",
    "NT 4/2000 rule: locked pages ≤ 1/8 of RAM (E3)": "NT 4/2000 규칙: 락된 페이지 ≤ 물리 메모리의 1/8 (E3)",
    "Vista: non-paged pool ≤ 40% of RAM (E8)": "Vista: 논페이지드 풀 ≤ 물리 메모리의 40% (E8)",
    "Windows 7/2008 R2: non-paged pool ≤ 75% of RAM, 128 GB at most (E8)":
        "Windows 7/2008 R2: 논페이지드 풀 ≤ 물리 메모리의 75%, 최대 128 GB (E8)",
    "Windows 8.1 and later: non-paged pool ≤ RAM, 16 TB at most (E8)": "Windows 8.1 이후: 논페이지드 풀 ≤ 물리 메모리, 최대 16 TB (E8)",
}

# --- CLI messages: tr("…") keys, and finished English messages (errors) matched by localise() ----------
MESSAGES = {
    # narration headings and check lines
    "time ms": "시간 ms",
    "thread": "스레드",
    "line": "줄",
    "event": "이벤트",
    "notes:": "기록(note):",
    "check: none declared": "check: 선언된 검사 없음",
    "check: passed": "check: 통과",
    "check: FAILED: {failure}": "check: 실패: {failure}",
    "error": "오류",
    "cannot load scenario: {file}, line {line}: {message}": "시나리오를 불러올 수 없음: {file}, {line}번째 줄: {message}",
    "the scenario failed: {file}, line {line}: {message}": "시나리오 실행 중 오류: {file}, {line}번째 줄: {message}",
    "teaches:": "강의 노트:",
    # explain
    "Seed section (course notes):": "강의 노트의 해당 부분:",
    "What it shows:": "무엇을 보여주나 (영문 설명):",
    "Rules involved (kernelsim rule ID):": "관련 규칙 (kernelsim rule ID --lang ko):",
    "(not in the rule book)": "(규칙집에 없음)",
    "Rules involved: {ids} — read them after you predict (kernelsim rule ID)":
        "관련 규칙: {ids} — 예측한 뒤에 읽어 보세요 (kernelsim rule ID --lang ko)",
    "Questions (kernelsim quiz {name}):": "문제 (kernelsim quiz {name}):",
    "Spoiler-free: comments, the explanation and check() are hidden. Predict, then: kernelsim quiz {name} --answers":
        "스포일러 없음: 주석, 설명, check()를 숨겼습니다. 먼저 예측하고, 그다음: kernelsim quiz {name} --answers",
    "Source ({path}):": "소스 ({path}):",
    "(the explanation is hidden until you have predicted)": "(설명은 예측한 뒤에 보세요)",
    "(check() is hidden: it states the answers)": "(check()는 정답을 말해 주므로 숨김)",
    "(the questions are listed above)": "(문제는 위에 있음)",
    # quiz
    "{name} declares no QUESTIONS; try 'kernelsim list' for scenarios that do":
        "{name}에는 QUESTIONS가 없습니다. 문제가 있는 시나리오는 'kernelsim list'로 찾아보세요",
    "(seed {seed}, schedule {schedule})": "(seed {seed}, 스케줄 {schedule})",
    "this variant: {values}": "이번 변형: {values}",
    "set: {values}": "--set으로 바꾼 값: {values}",
    "check: FAILED in this run — {failure}": "check: 이번 실행에서 실패 — {failure}",
    "check: FAILED in this run (kernelsim run {name} shows why)": "check: 이번 실행에서 실패 (이유는 kernelsim run {name})",
    "The course notes, corrected ({rule}): 「{notes}」 — see kernelsim explain {name}":
        "강의 노트 바로잡기 ({rule}): 「{notes}」 — kernelsim explain {name} --lang ko 참고",
    "this run breaks an invariant, as this broken variant is meant to (its lesson): {names}":
        "이번 실행은 불변식을 깨뜨림 — 일부러 망가뜨린 버전이므로 예상한 결과 (이것이 수업 내용): {names}",
    "as this broken variant is meant to (its lesson): {failure}":
        "일부러 망가뜨린 버전이므로 예상한 결과 (이것이 수업 내용): {failure}",
    "(the answers below describe a run whose claims did not hold)": "(아래 정답은 주장이 성립하지 않은 실행에서 나온 것입니다)",
    "Where the course notes are wrong or outdated:": "강의 노트가 틀렸거나 오래된 부분:",
    "  the notes say 「{notes}」": "  노트: 「{notes}」",
    "A broken variant, on purpose: some schedules break {what} (find one: kernelsim explore {name}).":
        "일부러 망가뜨린 버전: 어떤 스케줄에서는 {what}이(가) 깨진다 (찾아보기: kernelsim explore {name}).",
    "The course notes, corrected ({rule}): 「{notes}」 — {windows}": "강의 노트 바로잡기 ({rule}): 「{notes}」 — {windows}",
    "Read the scenario first ('kernelsim explain {name} --no-answers'), then predict.":
        "먼저 시나리오를 읽고('kernelsim explain {name} --no-answers --lang ko'), 예측해 보세요.",
    "answer: {answer}": "답: {answer}",
    "your prediction: ": "예측: ",
    "right": "정답",
    "not what the run shows": "실행 결과와 다름",
    "{right}/{total} right.  The answers: {command} --answers   Step through it: kernelsim step {name}":
        "{total}문제 중 {right}개 정답.  정답 보기: {command} --answers   한 단계씩 보기: kernelsim step {name}",
    "Predict first ('kernelsim explain {name} --no-answers' shows the code without spoilers); then check: {command} --answers":
        "먼저 예측하세요('kernelsim explain {name} --no-answers'로 스포일러 없이 코드를 볼 수 있음). 그다음 확인: {command} --answers",
    # rule
    "evidence": "근거",
    "real-Windows oracle": "실제 Windows 오라클",
    "sources": "출처",
    "scenarios that show it": "이 규칙을 보여주는 시나리오",
    "declare it (RULES)": "RULES에 선언",
    "their narration cites it": "실행 화면에서 인용",
    "none in the catalogue yet": "아직 카탈로그에 없음",
    "tests that pin it": "이 규칙을 고정하는 테스트",
    "none yet": "아직 없음",
    "see it happen: kernelsim run {name}": "직접 보기: kernelsim run {name} --lang ko",
    "give a rule id (kernelsim rule A4) or --list": "규칙 번호를 주세요 (kernelsim rule A4) 또는 --list",
    "unknown rule {rule!r}; the closest: {close} ('kernelsim rule --list' shows them all)":
        "없는 규칙 {rule!r}; 가까운 번호: {close} ('kernelsim rule --list'로 전체 목록)",
    "I/O completion ports (KQUEUE)": "I/O Completion Port (KQUEUE)",
    "IRPs: issue, completion, notification": "IRP: 요청, 완료, 완료통지",
    "APCs and alertable waits": "APC와 alertable wait",
    "Overlapped sockets (AFD)": "Overlapped 소켓 (AFD)",
    "Memory: non-paged pool, locked pages, WSAENOBUFS": "메모리: 논페이지드 풀, 페이지락, WSAENOBUFS",
    "What GetQueuedCompletionStatus(Ex) returns": "GetQueuedCompletionStatus(Ex)의 리턴값",
    "User-mode locks: critical sections and SRW locks": "유저 모드 락: CRITICAL_SECTION과 SRWLOCK",
    "documented by Microsoft": "Microsoft 문서",
    "read in ReactOS or Wine source": "ReactOS/Wine 소스",
    "observed on Windows by others": "Windows에서 관찰된 사례",
    "inferred (behind a switch)": "추론 (스위치로 둠)",
    # grade and assignments
    "grade {file}": "채점 {file}",
    "the default schedule": "기본 스케줄",
    "the schedule search": "스케줄 탐색",
    "prediction Q{n}": "예측 Q{n}",
    "you wrote {guess!r}": "쓴 답: {guess!r}",
    "the scenario crashed: {file}, line {line}: {message}": "시나리오가 중간에 멈춤: {file}, {line}번째 줄: {message}",
    "at most {s:g} s": "최대 {s:g}초",
    "schedule search ({bound}):": "스케줄 탐색 ({bound}):",
    "score: {score}/{total} ({percent}%)": "점수: {score}/{total} ({percent}%)",
    "every claim held in every schedule searched": "탐색한 모든 스케줄에서 모든 주장이 성립함",
    "FAILED: fix the file, then grade it again": "실패: 파일을 고친 뒤 다시 채점하세요",
    "grading {name}: the default schedule, then up to {s:g} s of schedules": "{name} 채점 중: 기본 스케줄, 그다음 최대 {s:g}초 동안 스케줄 탐색",
    "{file}: PREDICTIONS names question(s) {numbers}, but QUESTIONS has {count}":
        "{file}: PREDICTIONS에 문제 {numbers}이(가) 있지만 QUESTIONS는 {count}개뿐",
    "Copy one out: kernelsim assignments NAME --out DIR   Grade it: kernelsim grade DIR/NAME/starter.py":
        "꺼내기: kernelsim assignments NAME --out DIR   채점: kernelsim grade DIR/NAME/starter.py",
    "--out and --solution need an assignment NAME": "--out과 --solution에는 과제 이름(NAME)이 필요함",
    "--out {dir}: no such folder": "--out {dir}: 그런 폴더가 없음",
    "; did you mean {close}?": "; 혹시 {close}?",
    "no assignment {name!r}{hint} ('kernelsim assignments' lists them)": "없는 과제 {name!r}{hint} ('kernelsim assignments'로 목록을 보세요)",
    "copied {files} to {dir}": "{files}를 {dir}에 복사함",
    # errors raised deeper, matched as patterns
    "unknown scenario {name}; did you mean {close}?": "없는 시나리오 {name}; 혹시 {close}?",
    "unknown scenario {name}; 'kernelsim list' shows the catalogue": "없는 시나리오 {name}; 'kernelsim list'로 목록을 보세요",
    "no scenario file {path}": "시나리오 파일이 없음: {path}",
    "--set {text}: write NAME=VALUE, e.g. --set {example}": "--set {text}: NAME=VALUE 형태로 쓰세요. 예: --set {example}",
    "--set {text}: {scenario} has no constant {name}; did you mean {close}? (it has: {have})":
        "--set {text}: {scenario}에는 상수 {name}이(가) 없음; 혹시 {close}? (있는 상수: {have})",
    "--set {text}: {scenario} has no constant {name} (it has: {have})":
        "--set {text}: {scenario}에는 상수 {name}이(가) 없음 (있는 상수: {have})",
    "--set {text}: {name} is {kind} ({value} in the file); give a whole number":
        "--set {text}: {name}은(는) {kind} (파일에서 {value}); 정수를 주세요",
    "--set {text}: {name} is {kind} ({value} in the file); give a number":
        "--set {text}: {name}은(는) {kind} (파일에서 {value}); 숫자를 주세요",
    "--set {text}: {name} is {kind} ({value} in the file); give True or False":
        "--set {text}: {name}은(는) {kind} (파일에서 {value}); True 또는 False를 주세요",
    "--set {text}: {name} is {kind} ({value} in the file); give a Python literal":
        "--set {text}: {name}은(는) {kind} (파일에서 {value}); 파이썬 리터럴로 주세요",
    "--step {spec}: no such step (the run has {n} steps; give a number 1..{m}, a negative number, or text from an event)":
        "--step {spec}: 그런 단계가 없음 (실행은 {n}단계; 1..{m}의 번호, 음수, 또는 이벤트 문구를 주세요)",
    "syntax error: {msg}": "문법 오류: {msg}",
    "the scenario defines no main() thread function": "시나리오에 main() 스레드 함수가 없음",
    "main() must be a generator function: it should yield Win32 calls":
        "main()은 제너레이터 함수여야 함: Win32 호출을 yield 해야 합니다",
    "--max-preemptions, --budget and --time must not be negative": "--max-preemptions, --budget, --time은 음수일 수 없음",
    "the following arguments are required: {args}": "다음 인자가 필요함: {args}",
    "unrecognized arguments: {args}": "알 수 없는 인자: {args}",
    "argument {arg}: invalid int value: {value}": "인자 {arg}: 정수가 아님: {value}",
    "argument {arg}: invalid float value: {value}": "인자 {arg}: 숫자가 아님: {value}",
    "argument {arg}: invalid choice: {value} (choose from {choices})": "인자 {arg}: 고를 수 없는 값 {value} ({choices} 중에서)",
}

# --- scenario titles ------------------------------------------------------------------------------
TITLES = {
    "Stopping the accept thread: close the listening socket": "AcceptThread 끝내기: 리슨 소켓을 닫는다",
    "APCs run only when their thread waits alertably": "APC는 그 스레드가 alertable wait에 들어갈 때만 실행된다",
    "The APC queue: per thread, FIFO, emptied at an alertable wait, discarded at exit":
        "APC큐: 스레드마다 하나, FIFO, alertable wait에서 비워지고 스레드 종료 시 버려진다",
    "CancelIoEx: 995 through the port, then ERROR_NOT_FOUND": "CancelIoEx: IOCP로 995, 두 번째는 ERROR_NOT_FOUND",
    "closesocket with a pending receive: the packet says 1236, not 995":
        "Recv가 걸린 소켓을 closesocket: 완료통지는 995가 아니라 1236",
    "closesocket with a pending send and a pending receive from other threads":
        "다른 스레드들이 건 Send와 Recv가 있는 소켓을 closesocket",
    "closesocket twice closes someone else's socket once the value was reused":
        "closesocket을 두 번 하면, 재사용된 핸들 값의 남의 소켓이 닫힌다",
    "Disconnect shuts down, Release closes once: a reused handle value is never closed by the old session":
        "Disconnect는 shutdown, Release에서 한 번만 closesocket: 옛 세션이 재사용된 핸들을 닫는 일이 없다",
    "Completion routines: all in the issuing thread, one at a time": "완료루틴: 모두 요청한 스레드에서, 하나씩",
    "Concurrency 1: the running worker takes the next packet itself":
        "NumberOfConcurrentThreads 1: Running 중인 워커가 다음 완료통지를 직접 가져간다",
    "A counter incremented without an interlocked operation loses updates": "인터락 없이 올린 카운터는 증가를 잃어버린다",
    "A worker blocking in Sleep lets the port release another (DB workers)":
        "Sleep에서 블락된 워커 대신 포트가 다른 워커를 깨운다 (DB 작업 워커)",
    "Event signals are not counted; completion packets are": "Event 시그널은 세지 않고, 완료통지는 센다",
    "EventSelect-style waiting: one event per socket, 64 at most per wait":
        "EventSelect 방식의 대기: 소켓당 이벤트 하나, 한 번에 64개까지",
    "GQCS return cases: TRUE/FALSE × ov NULL/set, and the sentinel trap":
        "GQCS 리턴값의 경우들: TRUE/FALSE × ov NULL/있음, 그리고 종료 신호의 함정",
    "GQCSEx: a batch of packets in FIFO order, and its alertable mode": "GQCSEx: 완료통지를 FIFO로 한 번에 여러 개, 그리고 alertable 모드",
    "Immediate success still notifies: a packet for a WSARecv that returned 0":
        "즉시 성공해도 완료통지는 온다: 0을 리턴한 WSARecv의 완료통지",
    "IOCP creation and completion keys: which session, which operation": "IOCP 생성과 Completion Key: 어느 세션의 어떤 작업인가",
    "A thread's exit cancels its pending I/O — except thread-agnostic port I/O":
        "스레드가 끝나면 그 스레드의 I/O도 끝난다 — 스레드와 무관한 IOCP I/O만 빼고",
    "Handing jobs between threads: who may take a polled job, an APC, a port packet":
        "스레드 간 JOB 던지기: 폴링 큐의 작업, APC, IOCP 완료통지는 누가 가져갈 수 있나",
    "Non-paged pool exhaustion under the Windows 7 limit: unread data, WSAENOBUFS, nothing locked":
        "Windows 7 한계에서 논페이지드 풀 고갈: 읽지 않은 데이터, WSAENOBUFS, 락된 페이지는 없음",
    "Overlapped I/O with an event per socket: 64 events at most per wait":
        "소켓마다 이벤트 하나인 Overlapped I/O: 한 번에 이벤트 64개까지",
    "TIME_WAIT holds non-paged pool after a graceful server-first close; linger {1,0} skips it":
        "서버가 먼저 정상 종료하면 TIME_WAIT가 논페이지드 풀을 잡는다; LINGER {1,0}은 건너뛴다",
    "A recursive CRITICAL_SECTION hides re-entry: Disconnect releases the session inside the worker's lock":
        "재귀적인 CRITICAL_SECTION은 재진입을 숨긴다: Disconnect가 워커의 락 안에서 세션을 Release한다",
    "List lock → session lock in SendPacket, session lock → list lock in Release: a lock-order deadlock":
        "SendPacket은 리스트 락 → 세션 락, Release는 세션 락 → 리스트 락: 락 순서 데드락",
    "One lock order everywhere (list, then session): no schedule deadlocks": "어디서나 같은 락 순서(리스트, 그다음 세션): 어떤 스케줄도 데드락이 없다",
    "Session lock vs IOCount: both are safe, only the lock makes concurrent senders wait for each other":
        "Session Lock vs IOCount: 둘 다 안전하지만, 락만이 동시에 보내는 스레드들을 서로 기다리게 한다",
    "An SRW lock is not recursive: SendPacket inside the worker's lock deadlocks the worker with itself":
        "SRW 락은 재귀가 안 된다: 워커의 락 안에서 SendPacket을 부르면 워커가 자기 자신과 데드락",
    "A silent client never closes: a Disconnect that only shuts down holds the session for ever":
        "끊지 않는 클라: shutdown만 하는 Disconnect는 세션을 영원히 붙잡는다",
    "A silent client: Disconnect cancels the pending receive, so the session is released at once":
        "끊지 않는 클라: Disconnect가 걸린 Recv를 취소하므로 세션이 바로 Release된다",
    "AcceptEx: accepts posted in advance complete through the listening socket's port":
        "AcceptEx: 미리 걸어 둔 accept가 리슨 소켓의 IOCP로 완료된다",
    "Release DELAY ms after Recv = 0: a send that completes later reaches a released session":
        "Recv = 0 뒤 DELAY ms 기다렸다 Release: 그보다 늦게 완료된 Send가 Release된 세션에 도착한다",
    "IOCount instead of a delay: the session is released after the late send completion":
        "대기 시간 대신 IOCount: 늦은 Send 완료통지 뒤에 세션이 Release된다",
    "GQCSEx trade-off: a batch is one call and one running thread — fewer calls, less parallelism":
        "GQCSEx의 득실: 한 번에 여러 개는 호출 하나, Running 스레드 하나 — 호출은 줄고 병렬처리도 준다",
    "Listening-socket options: inherited by accept(), by AcceptEx only after SO_UPDATE_ACCEPT_CONTEXT":
        "리슨 소켓 옵션: accept()는 물려받고, AcceptEx는 SO_UPDATE_ACCEPT_CONTEXT 뒤에야 물려받는다",
    "Partial receives: a message split over three completions, two in one; reassembly by header":
        "나눠 받기: 메시지 하나가 완료통지 셋으로, 둘이 하나로 — 헤더로 다시 조립",
    "SO_RCVBUF = 0: nothing sent during the gap between receives is lost; getsockopt reads 0":
        "SO_RCVBUF = 0: Recv 사이 공백에 보낸 데이터도 잃지 않고, getsockopt은 0을 읽는다",
    "Several pending WSARecvs and two workers: filled in order, handled out of order":
        "여러 개 걸린 WSARecv와 워커 둘: 순서대로 채워지지만, 처리 순서는 뒤섞인다",
    "One WSARecv at a time: handled in order by any worker": "WSARecv를 한 번에 하나만: 어느 워커가 처리하든 순서대로",
    "Completion routine + completion port: WSARecv fails with WSAEINVAL, nothing is queued":
        "완료루틴 + IOCP: WSARecv가 WSAEINVAL로 실패하고 아무것도 큐에 들어가지 않는다",
    "select: FD_SETSIZE (64 by default) is the size of an fd_set, not a limit of select":
        "select: FD_SETSIZE(기본 64)는 fd_set의 크기이지 select의 한도가 아니다",
    "A send flag read, then set: two threads both call WSASend on one session":
        "Send 플래그를 읽고 나서 세우면: 두 스레드가 한 세션에 둘 다 WSASend를 부른다",
    "An interlocked send flag: one WSASend at a time, however many threads send":
        "인터락 Send 플래그: 몇 스레드가 보내든 WSASend는 한 번에 하나",
    "WSAEventSelect: FD_READ is recorded once until recv, FD_CLOSE once; one event per socket":
        "WSAEventSelect: FD_READ는 recv까지 한 번, FD_CLOSE도 한 번; 소켓마다 이벤트 하나",
    "20 sessions × 64 KB pending receives on an 8 MB machine: the gauge turns red, then WSAENOBUFS":
        "8 MB 머신에서 세션 20개 × 64 KB Recv: 게이지가 빨개지고, 그다음 WSAENOBUFS",
    "5,000 sessions × 64 KB pending receives pass the NT 4/2000 locked-page limit: WSAENOBUFS":
        "세션 5,000개 × 64 KB Recv가 NT 4/2000의 페이지락 한계를 넘는다: WSAENOBUFS",
    "A completion port releases the thread that waited last": "IOCP는 가장 늦게 기다린 스레드를 깨운다",
    "MoveFront before the send completion lets Enqueue overwrite bytes still being sent":
        "Send 완료통지 전에 MoveFront하면 아직 보내는 중인 바이트를 Enqueue가 덮어쓴다",
    "MoveFront after the send completion: a full SendQ refuses a packet instead of corrupting one":
        "완료통지 후에 MoveFront: SendQ가 차면 패킷을 망가뜨리지 않고 거절한다",
    "Overlapped I/O with events: which event fired, then WSAGetOverlappedResult":
        "이벤트로 하는 Overlapped I/O: 어느 이벤트가 시그널됐는지, 그다음 WSAGetOverlappedResult",
    "Peer RST: 64 through GQCS, 10054 through WSAGetOverlappedResult, then an immediate failure":
        "상대의 RST: GQCS로는 64, WSAGetOverlappedResult로는 10054, 그 뒤로는 즉시 실패",
    "Pending vs immediate: sends usually complete at once, receives usually pend":
        "보류인가 즉시인가: Send는 보통 바로 끝나고, Recv는 보통 보류된다",
    "PQCS as a job queue: FIFO jobs, LIFO workers, two running at most": "PQCS로 만든 작업 큐: 작업은 FIFO, 워커는 LIFO, 동시에 둘까지",
    "PQCS(0, 0, NULL) as a shutdown sentinel, versus a GQCS timeout": "종료 신호 PQCS(0, 0, NULL)와 GQCS 타임아웃의 차이",
    "Recv 0: a graceful close completes every pending receive with 0 bytes": "Recv 0: 정상 종료는 걸린 Recv를 모두 0바이트로 완료시킨다",
    "Recv = 0, then the send completion: releasing at Recv = 0 frees a session still in use":
        "끊김통지 뒤에 Send 완료통지: Recv = 0에서 Release하면 아직 쓰는 세션을 지운다",
    "Recv = 0, then the send completion: IOCount releases the session only at zero":
        "끊김통지 뒤에 Send 완료통지: IOCount가 0일 때만 세션을 Release한다",
    "IOCount counted after a WSASend that pends: the completion can win":
        "보류된 WSASend 뒤에 IOCount 증가: 완료통지가 먼저 처리될 수 있다",
    "IOCount counted before each WSASend: no delay can free the session early":
        "WSASend 전에 IOCount 증가: 어떤 지연도 세션을 먼저 지우지 못한다",
    "SendPacket from another thread while the session is released": "세션이 Release되는 중에 다른 스레드에서 SendPacket",
    "SendPacket holds the session by IOCount; Release waits for the hold or SendPacket returns False":
        "SendPacket은 IOCount로 세션을 잡는다: Release가 기다리거나 SendPacket이 false를 리턴한다",
    "shutdown vs closesocket vs linger {1,0}: FIN, handle reuse, RST":
        "shutdown vs closesocket vs LINGER {1,0}: FIN, 핸들 재사용, RST",
    "Skip-on-success: an immediate success queues no packet, a pending one still does":
        "Skip-on-success: 즉시 성공은 완료통지가 없고, 보류된 것은 여전히 있다",
    "SO_SNDBUF = 0: every send pends with its buffer locked (zero copy)":
        "SO_SNDBUF = 0: 모든 Send가 버퍼에 페이지락을 건 채 보류된다 (ZeroCopy)",
    "A stale completion reaches the new session that got the same socket value":
        "옛 완료통지가 같은 소켓 값을 받은 새 세션에 도착한다",
    "Slot + generation ids and IOCount: a reused socket value cannot receive a stale completion":
        "슬롯 + 세대 SessionID와 IOCount: 재사용된 소켓 값이 옛 완료통지를 받지 않는다",
    "Sync/async and block/non-block: recv, non-blocking recv, overlapped WSARecv":
        "동기-비동기 / 블락-논블락: recv, 논블락 recv, overlapped WSARecv",
    "5,000 sessions × 64 KB pending receives lock too many pages: WSAENOBUFS":
        "세션 5,000개 × 64 KB Recv는 페이지를 너무 많이 락한다: WSAENOBUFS",
    "Outstanding WSASends keep their order on the wire": "중첩해서 건 WSASend도 순서대로 나간다",
    "Zero-byte receives: 5,000 idle sessions lock no pages": "Zero Byte Recv: 노는 세션 5,000개가 페이지를 하나도 락하지 않는다",
}

# --- quiz questions (the {NAME} slots are filled with the run's values afterwards) --------------------
QUESTIONS = {
    "{CLIENTS} clients connect {GAP_MS} ms apart: how many connections does the accept thread accept?":
        "클라 {CLIENTS}개가 {GAP_MS} ms 간격으로 접속한다. AcceptThread는 연결을 몇 개 받나?",
    "What does the blocked accept() return once the listening socket is closed: (result, WSAGetLastError())?":
        "리슨 소켓이 닫히면 블락돼 있던 accept()는 무엇을 리턴하나: (리턴값, WSAGetLastError())?",
    "At what time (ms) does the accept thread leave its loop?": "AcceptThread는 몇 ms에 루프를 빠져나오나?",
    "main queues {APCS} APC(s) to T1 while it waits; what does T1's WaitForSingleObject return once the event is set?":
        "T1이 기다리는 동안 main이 APC {APCS}개를 넣는다. 이벤트가 시그널되면 T1의 WaitForSingleObject는 무엇을 리턴하나?",
    "What does SleepEx(0, {ALERTABLE}) return?": "SleepEx(0, {ALERTABLE})은 무엇을 리턴하나?",
    "How many times does the APC run?": "APC는 몇 번 실행되나?",
    "main queues APCs 1..{T1_APCS} to T1: in which order do they run?": "main이 T1에 APC 1..{T1_APCS}를 넣는다. 어떤 순서로 실행되나?",
    "What does T1's SleepEx return, each time it returns?": "T1의 SleepEx는 리턴할 때마다 무엇을 리턴하나?",
    "T2 gets {T2_APCS} APC(s) and exits: how many of them run?": "T2는 APC {T2_APCS}개를 받고 종료한다. 그중 몇 개가 실행되나?",
    "What does QueueUserAPC to the ended T2 return: (result, GetLastError())?":
        "이미 끝난 T2에 QueueUserAPC를 하면: (리턴값, GetLastError())?",
    "Another thread has a {BUFFER}-byte WSARecv pending; CancelIoEx on it returns?":
        "다른 스레드가 {BUFFER}바이트 WSARecv를 걸어 두었다. 그것을 CancelIoEx하면 무엇을 리턴하나?",
    "What does the worker's GQCS return for it: (return, key, GetLastError())?":
        "그 요청에 대해 워커의 GQCS는: (리턴값, key, GetLastError())?",
    "CancelIoEx again: (return, GetLastError())?": "CancelIoEx를 한 번 더 하면: (리턴값, GetLastError())?",
    "A worker waits in GQCS; main closes a socket with a WSARecv pending. (return, ov is the recv's, error)?":
        "워커는 GQCS에서 대기, main이 WSARecv가 걸린 소켓을 닫는다. (리턴값, ov가 그 Recv의 것인가, 오류)?",
    "The receive buffer is {BUFFER} bytes, page-aligned: how many pages are locked before the close, and after?":
        "Recv 버퍼는 {BUFFER}바이트, 페이지 경계에서 시작한다. 닫기 전과 후에 락된 페이지는 몇 개인가?",
    "The next socket created gets which handle value, compared with the closed one?":
        "다음에 만든 소켓의 핸들 값은 닫힌 소켓과 비교해 어떤가?",
    "How many packets does the worker get after the close, and with which errors?":
        "닫은 뒤 워커가 받는 완료통지는 몇 개이고, 각각 어떤 오류인가?",
    "closesocket is called by T3; which threads had issued the two requests it completes?":
        "closesocket은 T3가 부른다. 그로 인해 완료되는 두 요청은 어느 스레드들이 걸었나?",
    "The send is {SEND_KB} KB, the receive 4 KB: locked pages while both pend, and after both completions?":
        "Send는 {SEND_KB} KB, Recv는 4 KB다. 둘 다 보류 중일 때와 둘 다 완료된 뒤, 락된 페이지 수는?",
    "{CLIENTS} receives complete at the same instant: in which thread(s) do their routines run?":
        "Recv {CLIENTS}개가 같은 순간에 완료된다. 완료루틴들은 어느 스레드에서 실행되나?",
    "Do two routines ever run at the same time (the most found running at once)?":
        "완료루틴 두 개가 동시에 실행되는 일이 있나 (동시에 실행 중이던 최대 개수)?",
    "What does the server's SleepEx return once the routines ran?": "완료루틴들이 실행된 뒤 서버 스레드의 SleepEx는 무엇을 리턴하나?",
    "Each routine computes for {WORK_MS} ms: when (ms) does the last one start?":
        "완료루틴마다 {WORK_MS} ms씩 연산한다. 마지막 완료루틴은 몇 ms에 시작하나?",
    "A thread exits with its routine still queued: does the routine ever run?":
        "완료루틴이 APC큐에 남은 채 스레드가 끝나면, 그 완료루틴은 실행되나?",
    "Which worker handles job 2?": "작업 2는 어느 워커가 처리하나?",
    "Each job computes {WORK_MS} ms. At what time (ms) does job 2 start?": "작업마다 {WORK_MS} ms씩 연산한다. 작업 2는 몇 ms에 시작하나?",
    "Each job computes {WORK_MS} ms, queries the database for {QUERY_MS} ms, computes {WORK_MS} ms. When (ms) does job 2 start, given that job 1 starts at 2 ms?":
        "작업마다 {WORK_MS} ms 연산, DB 쿼리로 {QUERY_MS} ms 블락, 다시 {WORK_MS} ms 연산한다. 작업 1이 2 ms에 시작하면 작업 2는 몇 ms에 시작하나?",
    "Which worker runs job 3, and when?": "작업 3은 어느 워커가, 언제 처리하나?",
    "{JOBS} SetEvents at one instant, one worker: which jobs does the event worker E take?":
        "같은 순간에 SetEvent {JOBS}번, 워커 하나: 이벤트 워커 E는 어떤 작업들을 가져가나?",
    "{JOBS} PQCS at the same instant, one worker: which jobs does the port worker P take?":
        "같은 순간에 PQCS {JOBS}번, 워커 하나: IOCP 워커 P는 어떤 작업들을 가져가나?",
    "64 sockets; data arrives on the one whose event is at index {DATA_ON} of the array: what does WSAWaitForMultipleEvents return?":
        "소켓 64개. 배열 {DATA_ON}번 칸의 이벤트를 가진 소켓에 데이터가 온다. WSAWaitForMultipleEvents는 무엇을 리턴하나?",
    "The same call with 65 events: (result, WSAGetLastError())?": "같은 호출을 이벤트 65개로 하면: (리턴값, WSAGetLastError())?",
    "Alertable, with an APC queued: what is returned, and is the event still unsignalled?":
        "APC가 쌓인 상태에서 alertable로 기다리면 무엇이 리턴되고, 이벤트는 여전히 시그널되지 않은 상태인가?",
    "GQCS dequeues a packet posted with PQCS(port, {POSTED_BYTES}, {POSTED_KEY}, &ov): (return, ov, bytes, key)?":
        "GQCS가 PQCS(port, {POSTED_BYTES}, {POSTED_KEY}, &ov)로 넣은 완료통지를 꺼낸다: (리턴값, ov, 바이트 수, key)?",
    "GQCS dequeues PQCS(port, 0, 0, NULL): (return, ov)?": "GQCS가 PQCS(port, 0, 0, NULL)을 꺼낸다: (리턴값, ov)?",
    "GQCS(port, {TIMEOUT_MS} ms) on an empty port: (return, ov, GetLastError())?":
        "빈 포트에서 GQCS(port, {TIMEOUT_MS} ms): (리턴값, ov, GetLastError())?",
    "GQCS dequeues the packet of a cancelled WSARecv: (return, ov, GetLastError())?":
        "GQCS가 취소된 WSARecv의 완료통지를 꺼낸다: (리턴값, ov, GetLastError())?",
    "A thread waits in GQCS(INFINITE) and main closes the port: (return, ov, GetLastError())?":
        "스레드가 GQCS(INFINITE)에서 기다리는 중에 main이 포트를 닫는다: (리턴값, ov, GetLastError())?",
    "Packets with keys {KEYS} are queued: which keys does the first GQCSEx(count={COUNT}) return?":
        "key가 {KEYS}인 완료통지가 쌓여 있다. 첫 GQCSEx(count={COUNT})는 어떤 key들을 돌려주나?",
    "...and the second call?": "…두 번째 호출은?",
    "What does the alertable call return when only an APC is pending: (ok, n, GetLastError())?":
        "APC만 쌓여 있을 때 alertable 호출은: (리턴값, 꺼낸 개수, GetLastError())?",
    "{BUFFERED} bytes are buffered; WSARecv returns (rc, bytes)?": "수신버퍼에 {BUFFERED}바이트가 있다. WSARecv의 (rc, 바이트 수)는?",
    "Does GQCS then return a packet for that OVERLAPPED, and with which bytes and key (the socket's key is {KEY})?":
        "그 뒤 GQCS는 그 OVERLAPPED의 완료통지를 돌려주나? 바이트 수와 key는? (소켓의 key는 {KEY})",
    "With a completion routine: has it run when WSARecv returns? After SleepEx(0, TRUE)?":
        "완료루틴을 주면: WSARecv가 리턴할 때 실행됐나? SleepEx(0, TRUE) 뒤에는?",
    "CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0) on 4 CPUs: what is MaximumCount?":
        "CPU 4개에서 CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0): MaximumCount는?",
    "Sessions 1..{COUNT} have keys 1..{COUNT}; data arrives for sessions {ARRIVALS} in that order. Which (key, operation) pairs does the worker dequeue, in order?":
        "세션 1..{COUNT}의 key는 1..{COUNT}이고, 데이터는 세션 {ARRIVALS} 순서로 온다. 워커가 꺼내는 (key, 작업)은 순서대로?",
    "evt exited with its WSARecv pending: what does WSAGetOverlappedResult report (ok, error)?":
        "evt는 WSARecv를 건 채 종료했다. WSAGetOverlappedResult는 (리턴값, 오류)?",
    "Does cr's completion routine ever run?": "cr의 완료루틴은 실행되나?",
    "iocp exited too: what does the port deliver when {LATE_BYTES} bytes arrive (ok, nbytes, key)?":
        "iocp도 종료했다. {LATE_BYTES}바이트가 오면 IOCP는 무엇을 주나 (리턴값, 바이트 수, key)?",
    "main hands over {JOBS} jobs, {GAP_MS} ms apart; the poller looks every {POLL_MS} ms. How long (ms) does each job wait in the polled queue?":
        "main이 {GAP_MS} ms 간격으로 작업 {JOBS}개를 넘기고, 폴링 스레드는 {POLL_MS} ms마다 본다. 직접 만든 큐에서 각 작업은 몇 ms 기다리나?",
    "...and in the APC queue, and in the completion port?": "…APC큐에서는? IOCP에서는?",
    "How many times does the poller look at an empty queue?": "폴링 스레드는 빈 큐를 몇 번 들여다보나?",
    "Workers T1 … T{WORKERS} block in GQCS one after another, then key {KEY} is posted; which one receives it?":
        "워커 T1 … T{WORKERS}가 차례로 GQCS에서 블락된 뒤, main이 key = {KEY}인 완료통지를 PQCS한다. 어느 워커가 받나?",
    "{FIRST}'s peer sends first ({FIRST} is {MESSAGE_FIRST!r}, the other {MESSAGE_OTHER!r}). Which index does the first WSAWaitForMultipleEvents return (A is 0, B is 1)?":
        "{FIRST}의 상대가 먼저 보낸다({FIRST}는 {MESSAGE_FIRST!r}, 다른 쪽은 {MESSAGE_OTHER!r}). 첫 WSAWaitForMultipleEvents는 몇 번을 리턴하나 (A가 0, B가 1)?",
    "WSAGetOverlappedResult on the other connection while its data is still on its way: (ok, WSAGetLastError())?":
        "다른 연결의 데이터가 아직 오는 중일 때 그 연결에 WSAGetOverlappedResult: (리턴값, WSAGetLastError())?",
    "How many bytes does each connection's receive report, in the order they completed?":
        "완료된 순서대로, 각 연결의 Recv가 알려주는 바이트 수는?",
    "The socket's key is {KEY}. GQCS for the pending receive after the peer's RST: (return, key, GetLastError())?":
        "소켓의 key는 {KEY}. 상대가 RST를 보낸 뒤 걸려 있던 Recv에 대한 GQCS: (리턴값, key, GetLastError())?",
    "WSAGetOverlappedResult on the same OVERLAPPED: (return, WSAGetLastError())?":
        "같은 OVERLAPPED로 WSAGetOverlappedResult: (리턴값, WSAGetLastError())?",
    "A WSARecv posted after the RST: (rc, WSAGetLastError()), and how many packets does it queue?":
        "RST 뒤에 건 WSARecv: (rc, WSAGetLastError()), 그리고 완료통지는 몇 개 들어가나?",
    "WSASend of {SMALL} bytes on a fresh connection: (rc, bytes)?": "새 연결에서 {SMALL}바이트 WSASend: (rc, 바이트 수)?",
    "WSARecv with nothing received: (rc, WSAGetLastError())?": "받은 것이 없을 때 WSARecv: (rc, WSAGetLastError())?",
    "Sending {BIG} bytes at a time to a peer that does not read: which send is the first to pend?":
        "읽지 않는 상대에게 {BIG}바이트씩 보낸다. 몇 번째 Send가 처음으로 보류되나?",
    "How many packets reach the port for the sends that returned 0 at once?": "즉시 0을 리턴한 Send들의 완료통지는 몇 개 오나?",
    "{JOBS} jobs are posted at once to a port with NumberOfConcurrentThreads 2 and three waiting workers. When (ms) does each job start, jobs 1..{JOBS} in order?":
        "NumberOfConcurrentThreads 2인 포트에 워커 셋이 기다리고, 작업 {JOBS}개를 한꺼번에 PQCS한다. 작업 1..{JOBS}는 각각 몇 ms에 시작하나?",
    "How many jobs does W1, the worker that waited first, run?": "가장 먼저 기다린 W1은 작업을 몇 개 처리하나?",
    "How much non-paged pool do the queued jobs hold at the peak (bytes)?": "쌓인 작업들이 가장 많이 잡을 때 논페이지드 풀은 몇 바이트인가?",
    "Each job computes {WORK_MS} ms: when (ms) does the last job start?": "작업마다 {WORK_MS} ms 연산한다. 마지막 작업은 몇 ms에 시작하나?",
    "What does GQCS return on a timeout: (ok, ov, GetLastError())?": "타임아웃일 때 GQCS는: (리턴값, ov, GetLastError())?",
    "And for the sentinel: (ok, ov)?": "종료 신호일 때는: (리턴값, ov)?",
    "{WORKERS} workers wait with a {TIMEOUT_MS} ms timeout; main posts one job, then the sentinels after {SHUTDOWN_MS} ms. How many GQCS calls time out in all?":
        "워커 {WORKERS}개가 타임아웃 {TIMEOUT_MS} ms로 기다린다. main은 작업 하나를 넣고 {SHUTDOWN_MS} ms 뒤에 종료 신호를 넣는다. 타임아웃 나는 GQCS 호출은 모두 몇 번?",
    "{PENDING} receives are pending, the client sends {SENT} bytes and shuts down. Bytes per completion, in order?":
        "Recv {PENDING}개가 걸려 있고, 클라가 {SENT}바이트를 보낸 뒤 shutdown한다. 완료통지마다 바이트 수는 순서대로?",
    "What does GQCS return for the receives FIN completes (return value, bytes)?":
        "FIN으로 완료되는 Recv에 대해 GQCS는 (리턴값, 바이트 수)?",
    "A WSARecv posted after FIN: (rc, bytes) — and does a packet still arrive?":
        "FIN 뒤에 건 WSARecv: (rc, 바이트 수) — 그래도 완료통지가 오나?",
    "What does each client's blocked recv return: (how, result, WSAGetLastError())?":
        "각 클라의 블락 recv는 무엇을 리턴하나: (끊는 방법, 리턴값, WSAGetLastError())?",
    "The server sends {MESSAGE!r} before shutdown(SD_SEND): what does that client read before its recv returns 0?":
        "서버가 shutdown(SD_SEND) 전에 {MESSAGE!r}를 보낸다. 그 클라는 recv가 0을 리턴하기 전에 무엇을 읽나?",
    "After shutdown, does the next new socket reuse the server's handle value?": "shutdown 뒤에 새로 만든 소켓은 서버 소켓의 핸들 값을 재사용하나?",
    "After closesocket, does it?": "closesocket 뒤에는?",
    "With the flag set, WSARecv finds {READY} bytes and succeeds at once: (rc, bytes), and how many packets does GQCS find?":
        "플래그를 켠 상태에서 WSARecv가 {READY}바이트를 찾아 즉시 성공한다: (rc, 바이트 수), 그리고 GQCS가 찾는 완료통지는 몇 개?",
    "A WSARecv that pends, with the flag set: does its completion reach the port?": "플래그를 켠 상태에서 보류된 WSARecv: 그 완료통지는 포트에 오나?",
    "After SetFileCompletionNotificationModes(s, 0), does an immediate success queue a packet again?":
        "SetFileCompletionNotificationModes(s, 0) 뒤에는 즉시 성공이 다시 완료통지를 넣나?",
    "SO_SNDBUF 0, open window, a {SMALL}-byte WSASend: rc and WSAGetLastError()?":
        "SO_SNDBUF 0, 상대 윈도우는 열려 있음, {SMALL}바이트 WSASend: rc와 WSAGetLastError()?",
    "A gathered send of two {PIECE}-byte pieces, starting {OFFSET_A} and {OFFSET_B} bytes into a page: pages locked while pending?":
        "{PIECE}바이트 조각 둘을 WSABUF로 모아 보낸다. 각각 페이지 안 {OFFSET_A}, {OFFSET_B}바이트 지점에서 시작한다. 보류 중에 락된 페이지는?",
    "The same {SMALL}-byte send with the default SO_SNDBUF: rc?": "기본 SO_SNDBUF로 같은 {SMALL}바이트 Send: rc?",
    "The client sends {FIRST!r} after {DELAY_MS} ms (loopback takes 0.1 ms). Blocking recv at 0 ms: when does it return, and with what?":
        "클라가 {DELAY_MS} ms 뒤에 {FIRST!r}를 보낸다(루프백은 0.1 ms). 0 ms에 부른 블락 recv는 언제, 무엇을 리턴하나?",
    "Non-blocking recv with nothing buffered returns SOCKET_ERROR with which error?":
        "수신버퍼가 비었을 때 논블락 recv는 SOCKET_ERROR와 어떤 오류를 주나?",
    "Overlapped WSARecv with nothing buffered: (rc, WSAGetLastError())?": "수신버퍼가 비었을 때 overlapped WSARecv: (rc, WSAGetLastError())?",
    "When does the overlapped receive's event fire, and what does WSAGetOverlappedResult say?":
        "overlapped Recv의 이벤트는 언제 시그널되고, WSAGetOverlappedResult는 무엇을 알려주나?",
    "Which session's WSARecv is the first to fail, and with what error?": "몇 번째 세션의 WSARecv가 처음 실패하고, 어떤 오류인가?",
    "How many pages does one {RING}-byte ring buffer lock, given it starts {OFFSET} bytes into a page?":
        "페이지 안 {OFFSET}바이트 지점에서 시작하는 {RING}바이트 링버퍼 하나는 페이지를 몇 개 락하나?",
    "Does a packet ever arrive for a receive that failed with WSAENOBUFS?": "WSAENOBUFS로 실패한 Recv에 대해 완료통지가 오나?",
    "Window closed, SO_SNDBUF 8 KB: S1 {S1} bytes, S2 {S2} bytes, S3 {S3} bytes — which return at once (rc 0)?":
        "상대 윈도우는 닫혔고 SO_SNDBUF는 8 KB: S1 {S1}바이트, S2 {S2}바이트, S3 {S3}바이트 — 어느 것이 즉시 리턴하나 (rc 0)?",
    "In what order do the three blocks arrive at the peer?": "세 블록은 상대에게 어떤 순서로 도착하나?",
    "5,000 zero-byte receives pending: how many failed, how many pages are locked?":
        "Zero Byte Recv 5,000개를 걸었다: 몇 개가 실패했고, 락된 페이지는 몇 개인가?",
    "{DATA!r} arrives for session {WAKE} (its key): what does GQCS report (return, bytes, key)?":
        "세션 {WAKE}(key도 같음)에 {DATA!r}가 온다. GQCS는 (리턴값, 바이트 수, key)?",
    "What do the next two non-blocking recv calls return?": "이어서 부르는 논블락 recv 두 번은 무엇을 리턴하나?",
    "Which threads took jobs from the hand-made list?": "직접 만든 큐에서 작업을 가져간 스레드는?",
    "What does each AcceptEx return when it is posted: (ok, WSAGetLastError())?": "AcceptEx를 걸 때 각각 무엇을 리턴하나: (리턴값, WSAGetLastError())?",
    "Through which completion key do the accepts complete?": "accept들은 어느 Completion Key로 완료되나?",
    "The listening socket is closed with AcceptEx still pending: what does GQCS return for each (ok, error)?":
        "AcceptEx가 걸린 채로 리슨 소켓을 닫는다: 각각에 대해 GQCS는 (리턴값, 오류)?",
    "When does the echo's send complete, and with which status (ms, status)?": "에코의 Send는 언제, 어떤 상태로 완료되나 (ms, 상태)?",
    "GQCS, one packet per call: which workers run jobs, and when is the last job done (ms)?":
        "GQCS로 한 번에 하나씩: 어느 워커들이 작업을 처리하고, 마지막 작업은 몇 ms에 끝나나?",
    "GQCSEx(count={COUNT}): how many entries does the first successful call return?": "GQCSEx(count={COUNT}): 처음 성공한 호출은 몇 개를 꺼내나?",
    "...which workers run jobs, and when is the last job done (ms)?": "…어느 워커들이 작업을 처리하고, 마지막 작업은 몇 ms에 끝나나?",
    "How many calls returned packets: GQCS versus GQCSEx?": "완료통지를 꺼낸 호출은 몇 번인가: GQCS 대 GQCSEx?",
    "accept(): (SO_SNDBUF, SO_RCVBUF, linger on?) of the accepted socket?": "accept(): 받은 소켓의 (SO_SNDBUF, SO_RCVBUF, LINGER 켜짐?)",
    "AcceptEx, right after its completion: the same three?": "AcceptEx, 완료 직후: 같은 세 가지는?",
    "...and after SO_UPDATE_ACCEPT_CONTEXT?": "…SO_UPDATE_ACCEPT_CONTEXT 뒤에는?",
    "WSARecv asks for 64 bytes each time: how many bytes does each completion bring?": "WSARecv가 매번 64바이트를 요청한다: 완료통지마다 몇 바이트가 오나?",
    "A handler that takes each completion for one message: how many 'messages' does it see?":
        "완료통지 하나를 메시지 하나로 여기는 처리 함수는 '메시지'를 몇 개 보나?",
    "Reassembled by the header's length: which payload lengths reach content?": "헤더의 길이로 다시 조립하면 컨텐츠에 가는 페이로드 길이는?",
    "After setsockopt(SO_RCVBUF, 0), what does getsockopt(SO_RCVBUF) read?": "setsockopt(SO_RCVBUF, 0) 뒤에 getsockopt(SO_RCVBUF)는 무엇을 읽나?",
    "The client sends while no receive is posted; then one WSARecv: (rc, bytes)?": "Recv가 걸리지 않은 동안 클라가 보낸다. 그다음 WSARecv 하나: (rc, 바이트 수)?",
    "Which bytes does it get?": "어떤 바이트를 받나?",
    "Which receive gets which bytes (posting order)?": "어느 Recv가 어느 바이트를 받나 (건 순서대로)?",
    "In which order did the workers append them to the RecvQ in this run?": "이번 실행에서 워커들은 어떤 순서로 RecvQ에 넣었나?",
    "Did this run scramble the stream? (compare seeds, or explore)": "이번 실행에서 스트림이 뒤섞였나? (seed를 바꿔 보거나 explore로)",
    "Without a port: WSARecv with a routine and an event, and the peer sends {DATA!r} — is the event set when the data comes, and does the routine run (at SleepEx)?":
        "포트 없이: 완료루틴과 이벤트를 준 WSARecv, 상대는 {DATA!r}를 보낸다 — 데이터가 오면 이벤트가 시그널되나, 완료루틴은 (SleepEx에서) 실행되나?",
    "With the socket associated with a port: (rc, WSAGetLastError()) of the same WSARecv?": "소켓을 IOCP에 등록하면 같은 WSARecv의 (rc, WSAGetLastError())는?",
    "Does anything ever arrive for it — a packet, an APC?": "그 요청에 대해 무언가 오나 — 완료통지나 APC?",
    "After FD_SET of {SOCKETS} sockets into a default fd_set, how many does it hold (fd_count)?":
        "기본 fd_set에 소켓 {SOCKETS}개를 FD_SET하면 몇 개가 들어가나 (fd_count)?",
    "Data arrives only on the last socket: what does select on the default set return?": "마지막 소켓에만 데이터가 온다: 기본 집합으로 select하면 무엇을 리턴하나?",
    "And on a set built for FD_SETSIZE {BIG}?": "FD_SETSIZE {BIG}로 만든 집합이면?",
    "Which thread's packet reaches the client first in this run? (compare --seed 1, 2, 3)":
        "이번 실행에서 어느 스레드의 패킷이 클라에 먼저 도착하나? (--seed 1, 2, 3과 비교)",
    "Did this run put two WSASends in the kernel at once?": "이번 실행에서 WSASend 두 개가 동시에 커널에 걸렸나?",
    "The server sends its messages before the client looks: which network events does the client find the first time?":
        "클라가 보기 전에 서버가 메시지를 보낸다: 클라가 처음 찾는 네트워크 이벤트는?",
    "What does its first recv return?": "첫 recv는 무엇을 리턴하나?",
    "And a second recv at once: (result, WSAGetLastError())?": "바로 두 번째 recv를 하면: (리턴값, WSAGetLastError())?",
    "When the server closes: the events and the FD_CLOSE error code?": "서버가 닫으면: 이벤트와 FD_CLOSE 오류 코드는?",
    "When the worker handles Recv = 0, what is the session's IOCount (that receive still counted)?":
        "워커가 Recv = 0(끊김통지)을 처리할 때 세션의 IOCount는? (그 Recv도 아직 세는 중)",
    "Which other I/O still holds the session at that moment (counted in IOCount)?":
        "그 순간 세션을 아직 붙잡고 있는 다른 I/O는? (IOCount에 들어 있는 것)",
    "Did this run break an invariant, and which? (compare --seed 0 with other seeds)":
        "이번 실행에서 불변식이 깨졌나? 어느 것인가? (--seed 0과 다른 seed를 비교해 보자)",
    "Which socket values do mallory and alice get?": "mallory와 alice는 어떤 소켓 값을 받나?",
    "Which socket values do alice and bob get?": "alice와 bob은 어떤 소켓 값을 받나?",
    "How many increments should the counter show at the end?": "끝에 카운터는 몇 번 증가한 값이어야 하나?",
    "Did this run lose an update? (try --seed 1)": "이번 실행에서 증가를 잃어버렸나? (--seed 1로도 해 보자)",
    "Why: which counter value did two threads read before either wrote it back?":
        "왜: 두 스레드가 다시 쓰기 전에 함께 읽은 카운터 값은?",
    "Which packets does SendPacket refuse (return False) in this run?": "이번 실행에서 SendPacket이 거절한(false를 리턴한) 패킷은?",
    "What does the logic thread's SendPacket return in this run?": "이번 실행에서 로직 스레드의 SendPacket은 무엇을 리턴하나?",
    "{WAIT_MS} ms after Disconnect, what is the session's IOCount?": "Disconnect하고 {WAIT_MS} ms 뒤에 세션의 IOCount는?",
    "Which I/O still holds the session then?": "그때 세션을 붙잡고 있는 I/O는?",
    "Did the client see the server's FIN (its recv returned 0)?": "클라는 서버의 FIN을 보았나 (recv가 0을 리턴)?",
    "How many times did OnLeave run?": "OnLeave는 몇 번 불렸나?",
    "While SendPacket runs inside the worker's lock, what is the session lock's RecursionCount?":
        "워커의 락 안에서 SendPacket이 실행되는 동안 세션 락의 RecursionCount는?",
    "How many EnterCriticalSection calls on the session lock had to wait?": "세션 락에 대한 EnterCriticalSection 중 기다려야 했던 것은 몇 번?",
    "The client sends {GOOD} good requests, then a bad one. How many replies go out?":
        "클라가 정상 요청 {GOOD}개, 그다음 잘못된 요청 하나를 보낸다. 응답은 몇 개 나가나?",
    "After OnRecv handled the bad request, the worker (still holding its lock) posts the next WSARecv: what does it return, and what is WSAGetLastError()?":
        "OnRecv가 잘못된 요청을 처리한 뒤, (아직 락을 잡은) 워커가 다음 WSARecv를 건다: 리턴값과 WSAGetLastError()는?",
    "SendPacket (the logic thread) takes two locks: in which order?": "SendPacket(로직 스레드)은 락 두 개를 어떤 순서로 잡나?",
    "Release (the worker) takes the same two locks: in which order?": "Release(워커)는 같은 두 락을 어떤 순서로 잡나?",
    "On this schedule, which sessions does the broadcast reach (SendPacket returns TRUE)?":
        "이 스케줄에서 브로드캐스트는 어느 세션들에 닿나 (SendPacket이 TRUE)?",
    "Did this schedule deadlock? (Then try: kernelsim explore lock-order-inversion)":
        "이 스케줄은 데드락이 났나? (그다음: kernelsim explore lock-order-inversion)",
    "{SENDERS} threads call SendPacket on one session at once, {WORK} ms each. With the session lock, how many ms until the last one is done?":
        "스레드 {SENDERS}개가 한 세션에 동시에 SendPacket을 부르고, 각각 {WORK} ms 걸린다. 세션 락이면 마지막 것이 끝날 때까지 몇 ms?",
    "The same with IOCount instead of the lock?": "락 대신 IOCount면?",
    "With the lock, how many EnterCriticalSection calls had to wait?": "락을 쓸 때 기다려야 했던 EnterCriticalSection은 몇 번?",
    "Without contention (the senders one after another), lock vs IOCount: ms per SendPacket?":
        "경합이 없을 때(보내는 스레드가 차례로), 락 vs IOCount: SendPacket 하나에 몇 ms?",
    "After the worker released the session, what does a late SendPacket return, with each scheme?":
        "워커가 세션을 Release한 뒤 늦게 온 SendPacket은 각 방식에서 무엇을 리턴하나?",
    "The worker holds the session's SRW lock and OnRecv calls SendPacket, which acquires it again. What happens to the second AcquireSRWLockExclusive?":
        "워커가 세션의 SRW 락을 잡은 채 OnRecv가 SendPacket을 부르고, SendPacket이 그 락을 다시 잡는다. 두 번째 AcquireSRWLockExclusive는 어떻게 되나?",
    "{WORKERS} workers wait on the port. Which one takes the receive and deadlocks, and how does the run end?":
        "워커 {WORKERS}개가 포트에서 기다린다. 어느 워커가 Recv를 받아 데드락에 빠지고, 실행은 어떻게 끝나나?",
    "How many replies does the client get?": "클라는 응답을 몇 개 받나?",
    "While the worker waits for its own lock, can an APC queued to it run?": "워커가 자기 락을 기다리는 동안, 그 워커에 넣은 APC가 실행될 수 있나?",
    "Which thread ran the jobs queued as APCs (apc-other waited alertably all along)?":
        "APC로 넣은 작업을 실행한 스레드는? (apc-other는 내내 alertable wait 중이었다)",
    "Which threads took jobs from the completion port?": "IOCP에서 작업을 가져간 스레드는?",
    "How many times did the two pollers wake up and find the list empty?": "폴링 스레드 둘이 깨어나서 빈 큐를 본 것은 모두 몇 번인가?",
    "Under the Windows 7 rule, how much non-paged pool does this 64 MB machine have (bytes)?":
        "Windows 7 규칙에서 이 64 MB 머신의 논페이지드 풀은 몇 바이트인가?",
    "Which session is the first whose connection fails, and with what error?": "연결이 처음 실패하는 세션은 몇 번이고, 어떤 오류인가?",
    "How many pages are locked at that moment?": "그 순간 락된 페이지는 몇 개인가?",
    "Which pool tag holds most of the non-paged pool then (PoolMon's view)?": "그때 논페이지드 풀을 가장 많이 잡은 풀 태그는? (PoolMon으로 보면)",
    "64 sockets, numbered 0 to 63; data arrives on socket {DATA_ON}: what does WSAWaitForMultipleEvents return?":
        "소켓 64개(0~63번). {DATA_ON}번 소켓에 데이터가 온다. WSAWaitForMultipleEvents는 무엇을 리턴하나?",
    "WSASend of 1 KB on a fresh connection: (rc, bytes)?": "새 연결에서 1 KB WSASend: (rc, 바이트 수)?",
    "SO_SNDBUF and the peer's SO_RCVBUF set as this variant says; sending 4 KB at a time to a peer that does not read: which send is the first to pend?":
        "SO_SNDBUF와 상대의 SO_RCVBUF는 이번 변형대로다. 읽지 않는 상대에게 4 KB씩 보내면 몇 번째 Send가 처음 보류되나?",
    "{JOBS} jobs are posted at once, each computing {WORK_MS} ms. In which order do the packets leave the port (keys)?":
        "작업마다 {WORK_MS} ms씩 연산하는 작업 {JOBS}개를 한꺼번에 PQCS한다. 완료통지는 어떤 순서로 포트를 떠나나 (key)?",
    "In which order do the handlers start in this run (keys)? Run it with --seed 1 and compare.":
        "이번 실행에서 처리 함수는 어떤 순서로 시작하나 (key)? --seed 1로도 실행해 비교해 보자.",
    "The {SMALL}-byte send has completed but nobody has dequeued its packet yet: how many pages are still locked?":
        "{SMALL}바이트 Send는 완료됐지만 아직 아무도 완료통지를 꺼내지 않았다. 락된 페이지는 아직 몇 개인가?",
    "The server closes {CLIENTS} connections first, gracefully, and the clients close too: how many bytes of non-paged pool do those connections still hold?":
        "서버가 연결 {CLIENTS}개를 먼저 정상 종료하고 클라들도 닫는다. 그 연결들은 아직 논페이지드 풀을 몇 바이트 잡고 있나?",
    "The same with linger {1, 0}: how many bytes stay held?": "LINGER {1, 0}으로 같은 일을 하면 몇 바이트가 남나?",
    "What do the clients' recv calls return in the second round: (result, WSAGetLastError())?":
        "두 번째 라운드에서 클라의 recv는 무엇을 리턴하나: (리턴값, WSAGetLastError())?",
    "How long after the clients of the first round closed is that memory back (ms)?": "첫 라운드의 클라들이 닫고 몇 ms 뒤에 그 메모리가 돌아오나?",
    "Under the NT 4/2000 rule (1/8 of RAM), how many pages may be locked on this 8 MB machine?":
        "NT 4/2000 규칙(물리 메모리의 1/8)에서 이 8 MB 머신은 페이지를 몇 개까지 락할 수 있나?",
    "Under the NT 4/2000 rule (1/8 of RAM), how many pages may be locked on this 2 GB machine?":
        "NT 4/2000 규칙(물리 메모리의 1/8)에서 이 2 GB 머신은 페이지를 몇 개까지 락할 수 있나?",
}

/* probe.exe — executes Win32 calls on request, one real thread per scenario thread.
 *
 * kernelsim's live backend (kernelsim/live/client.py) runs this program under
 * Wine (or on Windows) and talks to it over stdin/stdout, one line per message,
 * every message starting with the scenario thread's id.  The main thread only
 * reads stdin and hands each line to the probe thread it names; that thread
 * makes the real call (blocking where the call blocks) and answers:
 *
 *   Python -> probe   <tid> <op> <args...>          ints in decimal, bytes as x<hex>
 *   probe -> Python   <tid> R <ret> <err> <outs...>  err = GetLastError() after the call
 *                     <tid> A <apcid>                a user APC runs now on thread tid
 *                     <tid> C <ovid> <err> <n> <flags> <internal> x<data>
 *                                                    a completion routine runs now on tid
 *                     <tid> X <message>              the request was malformed
 *                     0 READY                        once, at start
 *
 * Each probe thread's first message is "<tid> start", answered "<tid> R 0 0"; an
 * APC queued before that runs first, as Windows runs it before the start routine.
 * While an APC or completion routine runs, the thread serves further requests
 * for the same tid (the routine's own calls, nested on the same thread, as on
 * Windows) until Python sends "<tid> RET".  Waiting for the next request is a
 * non-alertable wait, so APCs run only inside the scenario's own alertable
 * waits.  Each thread keeps the scenario's last-error value across the
 * protocol's own calls (an APC or completion routine saves it before any call
 * of its own: even TlsGetValue clears it).  OVERLAPPEDs and their buffers live
 * here, named by ids that Python allocates, and so do the scenario's
 * CRITICAL_SECTIONs and SRWLOCKs: a real structure in the probe's memory per
 * structure of the scenario, one-to-one, made by its Initialize call and never
 * freed (as a structure in the program's own memory would be).  A
 * critical-section call answers, after its result, whether the calling thread
 * owns the section and its RecursionCount as the owner sees it.  Only loopback
 * addresses are used.
 *
 * The probe's own handles (its listening socket and event for tcp_pair, its
 * standard handles) are made before READY, so no scenario handle value can be
 * one of them, and a scenario's close of one of their values is refused as a
 * close of a handle that is not the scenario's (ERROR_INVALID_HANDLE /
 * WSAENOTSOCK, what the model answers for a value it never issued).
 *
 * Build: x86_64-w64-mingw32-gcc -O2 -std=gnu11 -o probe.exe probe.c -lws2_32
 */
#define _WIN32_WINNT 0x0600
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <fcntl.h>
#include <io.h>

#define MAX_THREADS 4096
#define MAX_SLOTS 65536
#define MAX_BUFS 16
#define MAX_ARGS 200
#define MAX_LOCKS 65536

typedef struct Thread {
    int tid;
    SRWLOCK lock;           /* guards `line`; `ready` wakes the thread (futex-fast under Wine) */
    CONDITION_VARIABLE ready;
    char *volatile line;
    DWORD saved_err;        /* the scenario's last error */
    DWORD os_id;
    int started;            /* Python's "start" arrived: the scenario thread is listening */
} Thread;

typedef struct Slot {       /* one scenario OVERLAPPED */
    WSAOVERLAPPED ov;
    int id;
    int is_recv;
    int nbufs;
    WSABUF bufs[MAX_BUFS];
    char *accept_buf;       /* AcceptEx's output buffer (addresses), NULL when the scenario passed none */
} Slot;

static Thread *threads[MAX_THREADS];
static Slot *slots[MAX_SLOTS];
static void *locks[MAX_LOCKS];               /* the scenario's CRITICAL_SECTIONs and SRWLOCKs, by id */
static CRITICAL_SECTION out_lock, slot_lock, pair_lock;
static DWORD tls;
static SOCKET listener = INVALID_SOCKET;     /* tcp_pair's listening socket, made once before READY */
static struct sockaddr_in listener_addr;
static HANDLE pair_event;                    /* tcp_pair's AcceptEx event */

/* Is h one of the probe's own handles, which a scenario must never close? */
static int own_handle(unsigned long long h) {
    return (listener != INVALID_SOCKET && h == (unsigned long long)listener) ||
           (pair_event && h == (unsigned long long)(uintptr_t)pair_event) ||
           h == (unsigned long long)(uintptr_t)GetStdHandle(STD_INPUT_HANDLE) ||
           h == (unsigned long long)(uintptr_t)GetStdHandle(STD_OUTPUT_HANDLE) ||
           h == (unsigned long long)(uintptr_t)GetStdHandle(STD_ERROR_HANDLE);
}

/* --- output ------------------------------------------------------------------ */

typedef struct { char *p; size_t n, cap; } Buf;

static void buf_add(Buf *b, const char *s, size_t n) {
    if (b->n + n + 2 > b->cap) {
        b->cap = (b->n + n + 2) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void buf_fmt(Buf *b, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    buf_add(b, tmp, (size_t)n);
}

static void buf_hex(Buf *b, const unsigned char *data, size_t n) {
    static const char digits[] = "0123456789abcdef";
    buf_add(b, " x", 2);
    for (size_t i = 0; i < n; i++) {
        char two[2] = { digits[data[i] >> 4], digits[data[i] & 15] };
        buf_add(b, two, 2);
    }
}

static void send_buf(Buf *b) {
    buf_add(b, "\n", 1);
    EnterCriticalSection(&out_lock);
    fwrite(b->p, 1, b->n, stdout);
    fflush(stdout);
    LeaveCriticalSection(&out_lock);
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

static void say(const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    EnterCriticalSection(&out_lock);
    fputs(tmp, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    LeaveCriticalSection(&out_lock);
}

/* --- input ------------------------------------------------------------------- */

typedef struct { int n; char *tok[MAX_ARGS]; } Args;

static void split(char *line, Args *a) {
    a->n = 0;
    char *s = line;
    while (*s && a->n < MAX_ARGS) {
        while (*s == ' ' || *s == '\r' || *s == '\n') *s++ = 0;
        if (!*s) break;
        a->tok[a->n++] = s;
        while (*s && *s != ' ' && *s != '\r' && *s != '\n') s++;
    }
}

static unsigned long long u64(Args *a, int i) {
    if (i >= a->n) return 0;
    const char *s = a->tok[i];
    if (*s == '-') return (unsigned long long)strtoll(s, NULL, 10);
    return strtoull(s, NULL, 10);
}

#define I(i) ((long long)u64(a, (i)))
#define H(i) ((HANDLE)(intptr_t)u64(a, (i)))
#define S(i) ((SOCKET)u64(a, (i)))

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
}

/* decode x<hex> in place; returns the length */
static size_t bytes(Args *a, int i, unsigned char **out) {
    static unsigned char empty[1];
    if (i >= a->n || a->tok[i][0] != 'x') { *out = empty; return 0; }
    char *h = a->tok[i] + 1;
    size_t n = strlen(h) / 2;
    unsigned char *d = (unsigned char *)h;
    for (size_t k = 0; k < n; k++) d[k] = (unsigned char)(hexval(h[2 * k]) << 4 | hexval(h[2 * k + 1]));
    *out = d;
    return n;
}

/* --- OVERLAPPED slots ----------------------------------------------------------- */

static Slot *slot(long long id) {
    if (id <= 0 || id >= MAX_SLOTS) return NULL;
    EnterCriticalSection(&slot_lock);
    Slot *s = slots[id];
    if (!s) {
        s = calloc(1, sizeof *s);
        s->id = (int)id;
        slots[id] = s;
    }
    LeaveCriticalSection(&slot_lock);
    return s;
}

static int slot_id(LPOVERLAPPED ov) {
    if (!ov) return 0;
    return CONTAINING_RECORD(ov, Slot, ov)->id;
}

/* a buffer that starts `offset` bytes into a fresh page, as the scenario asked (E2) */
static char *page_buffer(size_t len, size_t offset) {
    size_t total = offset + len + 1;
    char *p = VirtualAlloc(NULL, total, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    return p ? p + offset : NULL;
}

static void slot_data(Buf *b, LPOVERLAPPED ov, size_t nbytes) {
    Slot *s = ov ? CONTAINING_RECORD(ov, Slot, ov) : NULL;
    if (!s || !s->is_recv) { buf_add(b, " x", 2); return; }
    Buf tmp = {0};
    for (int i = 0; i < s->nbufs && nbytes > 0; i++) {
        size_t take = s->bufs[i].len < nbytes ? s->bufs[i].len : nbytes;
        buf_add(&tmp, s->bufs[i].buf, take);
        nbytes -= take;
    }
    buf_hex(b, (unsigned char *)tmp.p, tmp.n);
    free(tmp.p);
}

/* --- the scenario's locks ---------------------------------------------------------- */

/* The structure with this id, made (zeroed) on first use: its Initialize call initialises it. */
static void *lock_memory(long long id, size_t size) {
    if (id <= 0 || id >= MAX_LOCKS) return NULL;
    EnterCriticalSection(&slot_lock);
    void *m = locks[id];
    if (!m) m = locks[id] = calloc(1, size);
    LeaveCriticalSection(&slot_lock);
    return m;
}

#define CS(i) ((CRITICAL_SECTION *)lock_memory(I(i), sizeof(CRITICAL_SECTION)))
#define SRW(i) ((SRWLOCK *)lock_memory(I(i), sizeof(SRWLOCK)))

/* " <owned> <recursion>": what the calling thread sees in the section right after its call (L2). */
static void cs_state(Buf *outs, CRITICAL_SECTION *cs) {
    int owned = cs && cs->OwningThread == (HANDLE)(ULONG_PTR)GetCurrentThreadId();
    buf_fmt(outs, " %d %ld", owned, owned ? (long)cs->RecursionCount : 0L);
}

/* An fd_set of any size (a program may define FD_SETSIZE larger, D14): u_int count, SOCKET array[n]. */
typedef struct { u_int fd_count; SOCKET fd_array[1]; } AnySet;

/* Read "<n> <socket>..." from token i on (n = -1: a NULL set); returns the next token's index. */
static int read_set(Args *a, int i, AnySet **out) {
    long long n = I(i++);
    if (n < 0) { *out = NULL; return i; }
    AnySet *set = calloc(1, sizeof(u_int) * 2 + sizeof(SOCKET) * (size_t)(n + 1));
    set->fd_count = (u_int)n;
    for (long long k = 0; k < n; k++) set->fd_array[k] = S(i++);
    *out = set;
    return i;
}

static void write_set(Buf *outs, AnySet *set) {
    if (!set) { buf_add(outs, " -1", 3); return; }
    buf_fmt(outs, " %u", set->fd_count);
    for (u_int k = 0; k < set->fd_count; k++) buf_fmt(outs, " %llu", (unsigned long long)set->fd_array[k]);
}

/* --- threads -------------------------------------------------------------------- */

static void serve(Thread *t, int nested);

/* The next request for t (a non-alertable wait: APCs never run here). */
static char *take_line(Thread *t) {
    AcquireSRWLockExclusive(&t->lock);
    while (!t->line) SleepConditionVariableSRW(&t->ready, &t->lock, INFINITE, 0);
    char *line = t->line;
    t->line = NULL;
    ReleaseSRWLockExclusive(&t->lock);
    return line;
}

static void give_line(Thread *t, char *line) {
    AcquireSRWLockExclusive(&t->lock);
    t->line = line;
    ReleaseSRWLockExclusive(&t->lock);
    WakeConditionVariable(&t->ready);
}

/* The first message of every thread is "<tid> start": only then is Python listening for it. */
static void wait_start(Thread *t) {
    free(take_line(t));
    t->started = 1;
}

static DWORD WINAPI thread_main(LPVOID p) {
    Thread *t = p;
    TlsSetValue(tls, t);
    if (!t->started) wait_start(t);
    say("%d R 0 0", t->tid);         /* the answer to "start" */
    serve(t, 0);
    return 0;
}

static HANDLE spawn(int tid) {
    if (tid <= 0 || tid >= MAX_THREADS || threads[tid]) return NULL;
    Thread *t = calloc(1, sizeof *t);
    t->tid = tid;
    InitializeSRWLock(&t->lock);
    InitializeConditionVariable(&t->ready);
    threads[tid] = t;
    HANDLE h = CreateThread(NULL, 0, thread_main, t, CREATE_SUSPENDED, &t->os_id);
    if (h) ResumeThread(h);
    return h;
}

static Thread *current_thread(void) {
    Thread *t = TlsGetValue(tls);
    if (t) return t;
    /* An APC queued before the thread started runs before its start routine (C8). */
    DWORD id = GetCurrentThreadId();
    for (int i = 1; i < MAX_THREADS; i++)
        if (threads[i] && threads[i]->os_id == id) { t = threads[i]; break; }
    if (t) {
        TlsSetValue(tls, t);
        if (!t->started) wait_start(t);
    }
    return t;
}

static VOID CALLBACK apc_trampoline(ULONG_PTR id) {
    DWORD err = GetLastError();          /* first: TlsGetValue in current_thread() clears it */
    Thread *t = current_thread();
    if (!t) return;
    t->saved_err = err;
    say("%d A %llu", t->tid, (unsigned long long)id);
    serve(t, 1);
    SetLastError(t->saved_err);
}

static void CALLBACK completion_routine(DWORD err, DWORD nbytes, LPWSAOVERLAPPED ov, DWORD flags) {
    DWORD last = GetLastError();         /* first: TlsGetValue in current_thread() clears it */
    Thread *t = current_thread();
    if (!t) return;
    t->saved_err = last;
    Buf b = {0};
    buf_fmt(&b, "%d C %d %lu %lu %lu %llu", t->tid, slot_id(ov), err, nbytes, flags,
            (unsigned long long)ov->Internal);
    slot_data(&b, ov, nbytes);
    send_buf(&b);
    serve(t, 1);
    SetLastError(t->saved_err);
}

static void spin(long long ms) {
    LARGE_INTEGER f, start, now;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&start);
    long long ticks = ms * f.QuadPart / 1000;
    do QueryPerformanceCounter(&now); while (now.QuadPart - start.QuadPart < ticks);
}

static struct sockaddr_in loopback(long long port) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((u_short)port);
    return sa;
}

/* tcp_pair's listener and event: the probe's own handles, made before any scenario handle. */
static void make_listener(void) {
    int len = sizeof listener_addr;
    pair_event = CreateEventA(NULL, TRUE, FALSE, NULL);
    listener_addr = loopback(0);
    listener = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    if (listener == INVALID_SOCKET) return;
    if (bind(listener, (struct sockaddr *)&listener_addr, sizeof listener_addr) || listen(listener, 16) ||
        getsockname(listener, (struct sockaddr *)&listener_addr, &len)) {
        closesocket(listener);
        listener = INVALID_SOCKET;
    }
}

/* --- the calls -------------------------------------------------------------------- */

/* Execute one request; append " <ret> <err> <outs>" to b.  Returns 0 when the thread must end. */
static int call(Thread *t, Args *a, Buf *b) {
    const char *op = a->tok[1];
    long long ret = 0;
    Buf outs = {0};
    buf_add(&outs, "", 0);
    SetLastError(t->saved_err);

#define IS(name) (strcmp(op, name) == 0)
    if (IS("exit")) {
        free(outs.p);
        return 0;
    } else if (IS("ExitThread")) {
        ExitThread((DWORD)I(2));
    } else if (IS("CreateThread")) {
        ret = (intptr_t)spawn((int)I(2));
    } else if (IS("GetCurrentThread")) {
        ret = (intptr_t)GetCurrentThread();
    } else if (IS("QueueUserAPC")) {
        ret = QueueUserAPC(apc_trampoline, H(2), (ULONG_PTR)u64(a, 3));
    } else if (IS("Sleep")) {
        Sleep((DWORD)I(2));
    } else if (IS("SleepEx")) {
        ret = SleepEx((DWORD)I(2), (BOOL)I(3));
    } else if (IS("WaitForSingleObject")) {
        ret = WaitForSingleObjectEx(H(2), (DWORD)I(3), (BOOL)I(4));
    } else if (IS("WaitForMultipleObjects") || IS("WSAWaitForMultipleEvents")) {
        HANDLE hs[MAX_ARGS];
        int n = (int)I(5);
        for (int i = 0; i < n && i < MAX_ARGS - 6; i++) hs[i] = H(6 + i);
        if (IS("WSAWaitForMultipleEvents"))
            ret = WSAWaitForMultipleEvents((DWORD)n, hs, (BOOL)I(2), (DWORD)I(3), (BOOL)I(4));
        else
            ret = WaitForMultipleObjectsEx((DWORD)n, hs, (BOOL)I(2), (DWORD)I(3), (BOOL)I(4));
    } else if (IS("CreateEvent")) {
        ret = (intptr_t)CreateEventA(NULL, (BOOL)I(2), (BOOL)I(3), NULL);
    } else if (IS("WSACreateEvent")) {
        ret = (intptr_t)WSACreateEvent();
    } else if (IS("SetEvent")) {
        ret = SetEvent(H(2));
    } else if (IS("ResetEvent")) {
        ret = ResetEvent(H(2));
    } else if (IS("WSASetEvent")) {
        ret = WSASetEvent(H(2));
    } else if (IS("WSAResetEvent")) {
        ret = WSAResetEvent(H(2));
    } else if (IS("CloseHandle") || IS("WSACloseEvent")) {
        if (own_handle(u64(a, 2))) {
            ret = FALSE;
            SetLastError(ERROR_INVALID_HANDLE);
        } else {
            ret = IS("CloseHandle") ? CloseHandle(H(2)) : WSACloseEvent(H(2));
        }
    } else if (IS("GetLastError") || IS("WSAGetLastError")) {
        ret = (long long)GetLastError();
    } else if (IS("SetLastError")) {
        SetLastError((DWORD)I(2));
    } else if (IS("compute")) {
        spin(I(2));
    } else if (IS("CreateIoCompletionPort")) {
        ret = (intptr_t)CreateIoCompletionPort(H(2), H(3), (ULONG_PTR)u64(a, 4), (DWORD)I(5));
    } else if (IS("GetQueuedCompletionStatus")) {
        DWORD n = 0;
        ULONG_PTR key = 0;
        LPOVERLAPPED ov = NULL;
        ret = GetQueuedCompletionStatus(H(2), &n, &key, &ov, (DWORD)I(3));
        DWORD err = GetLastError();
        buf_fmt(&outs, " %lu %llu %d %llu %llu", n, (unsigned long long)key, slot_id(ov),
                ov ? (unsigned long long)ov->Internal : 0ULL, ov ? (unsigned long long)ov->InternalHigh : 0ULL);
        slot_data(&outs, ov, n);
        SetLastError(err);
    } else if (IS("GetQueuedCompletionStatusEx")) {
        ULONG count = (ULONG)I(3), removed = 0;
        if (count > 4096) count = 4096;
        OVERLAPPED_ENTRY *e = calloc(count ? count : 1, sizeof *e);
        ret = GetQueuedCompletionStatusEx(H(2), e, count, &removed, (DWORD)I(4), (BOOL)I(5));
        DWORD err = GetLastError();
        buf_fmt(&outs, " %lu", (unsigned long)removed);
        for (ULONG i = 0; ret && i < removed; i++) {
            buf_fmt(&outs, " %llu %d %llu %lu", (unsigned long long)e[i].lpCompletionKey,
                    slot_id(e[i].lpOverlapped), (unsigned long long)e[i].Internal,
                    e[i].dwNumberOfBytesTransferred);
            slot_data(&outs, e[i].lpOverlapped, e[i].dwNumberOfBytesTransferred);
        }
        free(e);
        SetLastError(err);
    } else if (IS("PostQueuedCompletionStatus")) {
        Slot *s = slot(I(5));
        ret = PostQueuedCompletionStatus(H(2), (DWORD)I(3), (ULONG_PTR)u64(a, 4), s ? &s->ov : NULL);
    } else if (IS("ovstate")) {
        Slot *s = slot(I(2));
        if (s) buf_fmt(&outs, " %llu %llu", (unsigned long long)s->ov.Internal,
                       (unsigned long long)s->ov.InternalHigh);
    } else if (IS("CancelIo")) {
        ret = CancelIo(H(2));
    } else if (IS("CancelIoEx")) {
        Slot *s = slot(I(3));
        ret = CancelIoEx(H(2), s ? &s->ov : NULL);
    } else if (IS("SetFileCompletionNotificationModes")) {
        ret = SetFileCompletionNotificationModes(H(2), (UCHAR)I(3));
    /* --- sockets --- */
    } else if (IS("WSASocket")) {
        ret = (long long)WSASocketW((int)I(2), (int)I(3), (int)I(4), NULL, 0, (DWORD)I(5));
    } else if (IS("socket")) {
        ret = (long long)socket((int)I(2), (int)I(3), (int)I(4));
    } else if (IS("bind") || IS("connect")) {
        struct sockaddr_in sa = loopback(I(3));
        ret = IS("bind") ? bind(S(2), (struct sockaddr *)&sa, sizeof sa)
                         : connect(S(2), (struct sockaddr *)&sa, sizeof sa);
    } else if (IS("own")) {
        /* diagnostics: the probe's own handles (tcp_pair's listener and event), which no close may reach */
        buf_fmt(&outs, " %llu %llu", (unsigned long long)listener, (unsigned long long)(uintptr_t)pair_event);
    } else if (IS("getsockname")) {
        struct sockaddr_in sa;
        int len = sizeof sa;
        ret = getsockname(S(2), (struct sockaddr *)&sa, &len);
        buf_fmt(&outs, " %d", ret == 0 ? ntohs(sa.sin_port) : 0);
    } else if (IS("listen")) {
        ret = listen(S(2), (int)I(3));
    } else if (IS("accept")) {
        ret = (long long)accept(S(2), NULL, NULL);
    } else if (IS("send")) {
        unsigned char *d;
        size_t n = bytes(a, 4, &d);
        ret = send(S(2), (const char *)d, (int)n, (int)I(3));
    } else if (IS("recv")) {
        int len = (int)I(3);
        char *d = malloc(len > 0 ? len : 1);
        ret = recv(S(2), d, len, (int)I(4));
        DWORD err = GetLastError();
        buf_hex(&outs, (unsigned char *)d, ret > 0 ? (size_t)ret : 0);
        free(d);
        SetLastError(err);
    } else if (IS("ioctlsocket")) {
        u_long arg = (u_long)I(4);
        ret = ioctlsocket(S(2), (long)I(3), &arg);
        buf_fmt(&outs, " %lu", arg);
    } else if (IS("shutdown")) {
        ret = shutdown(S(2), (int)I(3));
    } else if (IS("closesocket")) {
        if (own_handle(u64(a, 2))) {
            ret = SOCKET_ERROR;
            SetLastError(WSAENOTSOCK);
        } else {
            ret = closesocket(S(2));
        }
    } else if (IS("setsockopt")) {
        int v = (int)I(5);
        ret = setsockopt(S(2), (int)I(3), (int)I(4), (const char *)&v, sizeof v);
    } else if (IS("setsockopt_linger")) {
        struct linger l = { (u_short)I(3), (u_short)I(4) };
        ret = setsockopt(S(2), SOL_SOCKET, SO_LINGER, (const char *)&l, sizeof l);
    } else if (IS("getsockopt")) {
        int v = 0, len = sizeof v;
        ret = getsockopt(S(2), (int)I(3), (int)I(4), (char *)&v, &len);
        buf_fmt(&outs, " %d", v);
    } else if (IS("getsockopt_linger")) {
        struct linger l = {0, 0};
        int len = sizeof l;
        ret = getsockopt(S(2), SOL_SOCKET, SO_LINGER, (char *)&l, &len);
        buf_fmt(&outs, " %d %d", l.l_onoff, l.l_linger);
    } else if (IS("tcp_pair")) {
        /* server first, then client (as the model allocates them), so that a freed socket value
           is reused by the next server; AcceptEx on the probe's own listener fills the server
           socket created beforehand.  One pair at a time: the listener and its event are shared. */
        EnterCriticalSection(&pair_lock);
        SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
        SOCKET c = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
        char addrs[2 * (sizeof(struct sockaddr_in) + 16)];
        DWORD got = 0;
        OVERLAPPED ov;
        memset(&ov, 0, sizeof ov);
        ov.hEvent = pair_event;
        ResetEvent(pair_event);
        int ok = listener != INVALID_SOCKET && s != INVALID_SOCKET && c != INVALID_SOCKET;
        if (ok) {
            BOOL started = AcceptEx(listener, s, addrs, 0, sizeof(struct sockaddr_in) + 16,
                                    sizeof(struct sockaddr_in) + 16, &got, &ov);
            ok = started || WSAGetLastError() == ERROR_IO_PENDING;
        }
        ok = ok && connect(c, (struct sockaddr *)&listener_addr, sizeof listener_addr) == 0;
        ok = ok && WaitForSingleObject(ov.hEvent, 5000) == WAIT_OBJECT_0 &&
             GetOverlappedResult((HANDLE)listener, &ov, &got, FALSE);
        if (ok) setsockopt(s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (char *)&listener, sizeof listener);
        DWORD err = GetLastError();
        if (!ok) {
            if (s != INVALID_SOCKET) closesocket(s);
            if (c != INVALID_SOCKET) closesocket(c);
            s = c = INVALID_SOCKET;
        }
        LeaveCriticalSection(&pair_lock);
        ret = ok ? 0 : -1;
        buf_fmt(&outs, " %llu %llu", (unsigned long long)s, (unsigned long long)c);
        SetLastError(ok ? 0 : err);
    } else if (IS("WSARecv") || IS("WSASend")) {
        /* <op> s ovid hEvent routine nbufs then per buffer: len offset [x<data> for send] */
        int recv_op = IS("WSARecv");
        Slot *s = slot(I(3));
        WSABUF local[MAX_BUFS];
        WSABUF *bufs = s ? s->bufs : local;
        int nbufs = (int)I(6), k = 7;
        if (nbufs > MAX_BUFS) nbufs = MAX_BUFS;
        for (int i = 0; i < nbufs; i++) {
            ULONG len = (ULONG)I(k);
            size_t offset = (size_t)I(k + 1);
            bufs[i].len = len;
            bufs[i].buf = page_buffer(len, offset);
            k += 2;
            if (!recv_op) {
                unsigned char *d;
                size_t n = bytes(a, k++, &d);
                memcpy(bufs[i].buf, d, n < len ? n : len);
            }
        }
        if (s) {
            HANDLE ev = s->ov.hEvent = H(4);
            memset(&s->ov, 0, sizeof s->ov);
            s->ov.hEvent = ev;
            s->is_recv = recv_op;
            s->nbufs = nbufs;
        }
        LPWSAOVERLAPPED_COMPLETION_ROUTINE cr = I(5) ? completion_routine : NULL;
        DWORD n = 0, flags = 0;
        SetLastError(t->saved_err);
        if (recv_op)
            ret = WSARecv(S(2), bufs, (DWORD)nbufs, &n, &flags, s ? &s->ov : NULL, cr);
        else
            ret = WSASend(S(2), bufs, (DWORD)nbufs, &n, 0, s ? &s->ov : NULL, cr);
        DWORD err = GetLastError();
        buf_fmt(&outs, " %lu %lu", n, flags);
        if (recv_op && ret == 0) {
            Buf tmp = {0};
            size_t left = n;
            for (int i = 0; i < nbufs && left > 0; i++) {
                size_t take = bufs[i].len < left ? bufs[i].len : left;
                buf_add(&tmp, bufs[i].buf, take);
                left -= take;
            }
            buf_hex(&outs, (unsigned char *)tmp.p, tmp.n);
            free(tmp.p);
        } else {
            buf_add(&outs, " x", 2);
        }
        SetLastError(err);
    } else if (IS("AcceptEx")) {
        /* AcceptEx listen accept ovid hEvent bufsize recv_len local_len remote_len */
        Slot *s = slot(I(4));
        DWORD got = 0;
        size_t size = (size_t)I(6);
        if (s) {
            HANDLE ev = H(5);
            memset(&s->ov, 0, sizeof s->ov);
            s->ov.hEvent = ev;
            s->is_recv = 0;
            s->nbufs = 0;
            free(s->accept_buf);
            s->accept_buf = size ? calloc(1, size) : NULL;
        }
        /* a NULL lpOverlapped still gets a real buffer when the scenario passed one: AcceptEx fails at
           once then, so this one is freed right after the call */
        char *loose = !s && size ? calloc(1, size) : NULL;
        SetLastError(t->saved_err);
        ret = AcceptEx(S(2), S(3), s ? s->accept_buf : loose, (DWORD)I(7), (DWORD)I(8), (DWORD)I(9), &got,
                       s ? &s->ov : NULL);
        DWORD err = GetLastError();
        free(loose);
        buf_fmt(&outs, " %lu", got);
        SetLastError(err);
    } else if (IS("setsockopt_socket")) {
        SOCKET v = S(5);                  /* SO_UPDATE_ACCEPT_CONTEXT: the listening socket (D12) */
        ret = setsockopt(S(2), (int)I(3), (int)I(4), (const char *)&v, sizeof v);
    } else if (IS("select")) {
        /* select sec usec (sec -1: no timeout) then three sets, each "<n> <sockets>" (n -1: NULL) */
        AnySet *sets[3];
        int k = 4;
        for (int i = 0; i < 3; i++) k = read_set(a, k, &sets[i]);
        struct timeval tv = { (long)I(2), (long)I(3) };
        SetLastError(t->saved_err);
        ret = select(0, (fd_set *)sets[0], (fd_set *)sets[1], (fd_set *)sets[2], I(2) < 0 ? NULL : &tv);
        DWORD err = GetLastError();
        for (int i = 0; i < 3; i++) {
            write_set(&outs, sets[i]);
            free(sets[i]);
        }
        SetLastError(err);
    } else if (IS("WSAEventSelect")) {
        ret = WSAEventSelect(S(2), H(3), (long)I(4));
    } else if (IS("WSAEnumNetworkEvents")) {
        WSANETWORKEVENTS ev;
        memset(&ev, 0, sizeof ev);
        ret = WSAEnumNetworkEvents(S(2), H(3), &ev);
        DWORD err = GetLastError();
        buf_fmt(&outs, " %ld", ev.lNetworkEvents);
        for (int i = 0; i < FD_MAX_EVENTS; i++) buf_fmt(&outs, " %d", ev.iErrorCode[i]);
        SetLastError(err);
    /* --- the scenario's locks (L1-L10): void calls answer 0 --- */
    } else if (IS("InitializeCriticalSection")) {
        CRITICAL_SECTION *cs = CS(2);
        if (cs) InitializeCriticalSection(cs);
        cs_state(&outs, cs);
    } else if (IS("InitializeCriticalSectionAndSpinCount")) {
        CRITICAL_SECTION *cs = CS(2);
        ret = cs ? InitializeCriticalSectionAndSpinCount(cs, (DWORD)I(3)) : 0;
        cs_state(&outs, cs);
    } else if (IS("EnterCriticalSection")) {
        CRITICAL_SECTION *cs = CS(2);
        if (cs) EnterCriticalSection(cs);
        cs_state(&outs, cs);
    } else if (IS("TryEnterCriticalSection")) {
        CRITICAL_SECTION *cs = CS(2);
        ret = cs ? TryEnterCriticalSection(cs) : 0;
        cs_state(&outs, cs);
    } else if (IS("LeaveCriticalSection")) {
        CRITICAL_SECTION *cs = CS(2);
        if (cs) LeaveCriticalSection(cs);
        cs_state(&outs, cs);
    } else if (IS("DeleteCriticalSection")) {
        CRITICAL_SECTION *cs = CS(2);
        if (cs) DeleteCriticalSection(cs);
        cs_state(&outs, cs);
    } else if (IS("InitializeSRWLock")) {
        SRWLOCK *l = SRW(2);
        if (l) InitializeSRWLock(l);
    } else if (IS("AcquireSRWLockExclusive")) {
        SRWLOCK *l = SRW(2);
        if (l) AcquireSRWLockExclusive(l);
    } else if (IS("AcquireSRWLockShared")) {
        SRWLOCK *l = SRW(2);
        if (l) AcquireSRWLockShared(l);
    } else if (IS("ReleaseSRWLockExclusive")) {
        SRWLOCK *l = SRW(2);
        if (l) ReleaseSRWLockExclusive(l);
    } else if (IS("ReleaseSRWLockShared")) {
        SRWLOCK *l = SRW(2);
        if (l) ReleaseSRWLockShared(l);
    } else if (IS("TryAcquireSRWLockExclusive")) {
        SRWLOCK *l = SRW(2);
        ret = l ? TryAcquireSRWLockExclusive(l) : 0;
    } else if (IS("TryAcquireSRWLockShared")) {
        SRWLOCK *l = SRW(2);
        ret = l ? TryAcquireSRWLockShared(l) : 0;
    } else if (IS("WSAGetOverlappedResult")) {
        Slot *s = slot(I(3));
        DWORD n = 0, flags = 0;
        ret = WSAGetOverlappedResult(S(2), s ? &s->ov : NULL, &n, (BOOL)I(4), &flags);
        DWORD err = GetLastError();
        buf_fmt(&outs, " %lu %lu %llu", n, flags, s ? (unsigned long long)s->ov.Internal : 0ULL);
        slot_data(&outs, s ? &s->ov : NULL, ret ? n : 0);
        SetLastError(err);
    } else {
        free(outs.p);
        say("%d X unknown op %s", t->tid, op);
        return 1;
    }
    t->saved_err = GetLastError();
    buf_fmt(b, "%d R %lld %lu", t->tid, ret, (unsigned long)t->saved_err);
    buf_add(b, outs.p, outs.n);
    free(outs.p);
    send_buf(b);
    return 1;
}

/* Serve requests for thread t; nested: inside an APC or completion routine, until RET. */
static void serve(Thread *t, int nested) {
    for (;;) {
        char *line = take_line(t);
        Args a;
        split(line, &a);
        if (a.n < 2) { free(line); continue; }
        if (strcmp(a.tok[1], "RET") == 0) {
            free(line);
            if (nested) return;
            continue;
        }
        Buf b = {0};
        int go_on = call(t, &a, &b);
        free(b.p);
        free(line);
        if (!go_on) {
            if (nested) ExitThread(0);   /* the scenario thread ended inside a routine */
            return;
        }
    }
}

/* --- main: read requests and hand each to its thread ----------------------------- */

static char *read_line(void) {
    size_t cap = 256, n = 0;
    char *s = malloc(cap);
    int c;
    while ((c = getchar()) != EOF) {
        if (n + 2 > cap) s = realloc(s, cap *= 2);
        if (c == '\n') break;
        s[n++] = (char)c;
    }
    if (c == EOF && n == 0) { free(s); return NULL; }
    s[n] = 0;
    return s;
}

int main(void) {
    WSADATA wsa;
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stdin), _O_BINARY);
    InitializeCriticalSection(&out_lock);
    InitializeCriticalSection(&slot_lock);
    InitializeCriticalSection(&pair_lock);
    tls = TlsAlloc();
    WSAStartup(MAKEWORD(2, 2), &wsa);
    make_listener();
    say("0 READY");
    char *line;
    while ((line = read_line()) != NULL) {
        int tid = atoi(line);
        if (tid == 0) {                      /* control: 0 spawn <tid> | 0 quit */
            Args a;
            split(line, &a);
            if (a.n >= 3 && strcmp(a.tok[1], "spawn") == 0) {
                HANDLE h = spawn((int)u64(&a, 2));
                say("0 R %lld %lu", (long long)(intptr_t)h, h ? 0UL : (unsigned long)GetLastError());
            } else if (a.n >= 2 && strcmp(a.tok[1], "quit") == 0) {
                free(line);
                break;
            }
            free(line);
            continue;
        }
        Thread *t = (tid > 0 && tid < MAX_THREADS) ? threads[tid] : NULL;
        if (!t) {
            say("%d X no such thread", tid);
            free(line);
            continue;
        }
        give_line(t, line);
    }
    fflush(stdout);
    ExitProcess(0);
}

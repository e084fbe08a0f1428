"""The probe transport: one probe process, one reader thread, one inbox per scenario thread.

``request(tid, op, args, on_callback)`` sends a call for thread ``tid`` and waits
for that thread's answer.  If, meanwhile, the probe says an APC or a completion
routine is running on that very thread, ``on_callback(kind, values)`` runs the
scenario's routine here (its calls go to the probe as more requests for the same
thread, nested, as on Windows), then ``RET`` lets the probe continue.  Every wait
has a watchdog: a call that does not return in ``watchdog`` seconds raises
``Hung`` naming the thread and the call — a live run never hangs.  When the
probe dies, waiting threads get ``ProbeCrashed`` with the tail of its stderr.
"""

import queue
import subprocess
import threading
import time
from collections import deque

from . import protocol

_END = object()


class LiveError(Exception):
    """Something in the live machinery failed (not a scenario claim)."""


class Hung(LiveError):
    def __init__(self, tid, op, seconds):
        super().__init__(f"{op} did not return within {seconds:g} s (watchdog)")
        self.tid, self.op, self.seconds = tid, op, seconds


class ProbeCrashed(LiveError):
    def __init__(self, message, stderr_tail=""):
        super().__init__(message)
        self.stderr_tail = stderr_tail


class RunEnded(Exception):
    """The run is over (main returned): a thread still waiting stops where it is."""


class ProbeTransport:
    """Runs probe.exe (argv ``command``) and speaks its line protocol."""

    name = "wine"

    def __init__(self, command, env=None, watchdog=10.0, start_timeout=30.0):
        self.command = list(command)
        self.env = env
        self.watchdog = watchdog
        self.start_timeout = start_timeout
        self.proc = None
        self.inboxes = {0: queue.Queue()}
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()
        self.close_lock = threading.Lock()
        self.stderr_lines = deque(maxlen=40)
        self.ended = False
        self.crashed = None

    # --- process ---------------------------------------------------------------

    def start(self):
        self.proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=self.env, bufsize=0,
                                     start_new_session=True)
        threading.Thread(target=self._read_stdout, name="probe-stdout", daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, name="probe-stderr", daemon=True)
        self._stderr_reader.start()
        msg = self._get(0, self.start_timeout, "starting the probe")
        if msg.kind != protocol.READY:
            raise ProbeCrashed(f"the probe said {msg!r} instead of READY", self.stderr_tail())
        return self

    def _read_stdout(self):
        stream = self.proc.stdout
        for raw in iter(stream.readline, b""):
            try:
                msg = protocol.decode(raw.decode("ascii", "replace"))
            except ValueError:
                self.stderr_lines.append(raw.decode("utf-8", "replace").rstrip())
                continue
            self._inbox(msg.tid).put(msg)
        code = self.proc.wait()
        # Its stderr is read by another thread: let it drain (the pipe ends with the process) so that
        # the crash report carries the probe's last words.
        self._stderr_reader.join(timeout=2)
        if not self.ended:
            self.crashed = ProbeCrashed(f"the probe exited unexpectedly (exit code {code})", self.stderr_tail())
        self._wake_all()

    def _read_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            self.stderr_lines.append(raw.decode("utf-8", "replace").rstrip())

    def stderr_tail(self):
        return "\n".join(self.stderr_lines)

    def _inbox(self, tid):
        with self.lock:
            box = self.inboxes.get(tid)
            if box is None:
                box = self.inboxes[tid] = queue.Queue()
            return box

    def _wake_all(self):
        with self.lock:
            boxes = list(self.inboxes.values())
        for box in boxes:
            box.put(_END)

    def close(self):
        """End the run: stop the probe (politely, then by force) and wake every waiting thread."""
        with self.close_lock:            # a second caller returns only once the probe is gone
            self.ended = True
            self._stop_probe()
        self._wake_all()

    def _stop_probe(self):
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                self._write("0 quit\n")
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # --- messages -----------------------------------------------------------------

    def _write(self, line):
        with self.write_lock:
            self.proc.stdin.write(line.encode("ascii"))
            self.proc.stdin.flush()

    def send(self, tid, op, args=()):
        if self.ended:
            raise RunEnded()
        try:
            self._write(protocol.encode(tid, op, args))
        except (BrokenPipeError, OSError):
            if self.ended:
                raise RunEnded() from None
            raise self.crashed or ProbeCrashed("the probe closed its input", self.stderr_tail()) from None

    def _get(self, tid, timeout, what):
        try:
            msg = self._inbox(tid).get(timeout=timeout)
        except queue.Empty:
            raise Hung(tid, what, timeout) from None
        if self.ended and msg is not _END:
            # The run is over: an answer the probe wrote while it was being stopped (a wait that its
            # exit ended, say) is not part of the run.
            self._inbox(tid).put(_END)
            raise RunEnded()
        if msg is _END:
            self._inbox(tid).put(_END)          # others waiting on this inbox see it too
            if self.crashed is not None and not self.ended:
                raise self.crashed
            if self.crashed is not None:
                raise self.crashed
            raise RunEnded()
        return msg

    # --- the transport interface ------------------------------------------------------

    def spawn(self, tid):
        """Create the probe thread that will run scenario thread ``tid`` (for main)."""
        self.send(0, "spawn", [tid])
        msg = self._get(0, self.watchdog, "spawn")
        return msg.values[0]

    def create_thread(self, creator, tid, start_python):
        """CreateThread, executed on the creator's probe thread; then the Python side starts."""
        values = self.request(creator, "CreateThread", [tid], None)
        if values[0]:
            start_python()
        return values

    def begin(self, tid, on_callback):
        """The scenario thread is ready: APCs queued before it started run now, first (C8)."""
        self.request(tid, "start", [], on_callback)

    def request(self, tid, op, args, on_callback, watchdog=None):
        """Execute op on thread tid → (ret, err, outs…); run nested routines via on_callback."""
        limit = self.watchdog if watchdog is None else watchdog
        self.send(tid, op, args)
        while True:
            msg = self._get(tid, limit, op)
            if msg.kind == protocol.RESULT:
                return msg.values
            if msg.kind in (protocol.APC, protocol.ROUTINE):
                if on_callback is None:
                    raise LiveError(f"a routine ran during {op}, which cannot run one")
                on_callback(msg.kind, msg.values)
                self.send(tid, "RET")
                continue
            raise LiveError(f"the probe rejected {op}: {msg.text}")

    def end_thread(self, tid, code=None):
        """The scenario thread returned (or called ExitThread): its real thread ends too."""
        try:
            self.send(tid, "exit" if code is None else "ExitThread", [] if code is None else [code])
        except (RunEnded, LiveError):
            pass

    def compute(self, tid, ms):
        return self.request(tid, "compute", [int(round(ms))], None, watchdog=self.watchdog + ms / 1000)

    def now(self):
        return time.perf_counter()

"""Running the probe under Wine: find Wine and mingw-w64, build probe.exe, make the prefix, own one wineserver.

Everything lives in one user cache directory (``$KERNELSIM_CACHE``, else
``$XDG_CACHE_HOME/kernelsim``, else ``~/.cache/kernelsim``): ``probe-<hash>.exe``
(the build is cached by the hash of probe.c and the compiler command) and
``wineprefix/`` (created once, ~7 s).  A ``WineSession`` starts the prefix's
wineserver persistent (``wineserver -p``) so that consecutive probe runs start
warm, and stops that wineserver — only that one, by its prefix — when it ends,
also after errors and Ctrl-C.  Debian 12 ships the binary as
/usr/lib/wine/wine64 (WINE.md).
"""

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

APT_COMMAND = ("apt-get install -y --no-install-recommends wine64 gcc-mingw-w64-x86-64")
COMPILER = "x86_64-w64-mingw32-gcc"
CFLAGS = ("-O2", "-std=gnu11")
LIBS = ("-lws2_32", "-lmswsock")
PROBE_SOURCE = Path(__file__).resolve().parent / "probe" / "probe.c"
WINE_CANDIDATES = ("/usr/lib/wine/wine64", "wine64", "/usr/bin/wine64", "wine")
WINESERVER_CANDIDATES = ("/usr/lib/wine/wineserver", "/usr/lib/wine/wineserver64", "wineserver")


class Unavailable(Exception):
    """Wine or the compiler is missing: the message says what to install (exit 2)."""


class BuildError(Exception):
    """probe.c did not compile (exit 1)."""


def cache_dir():
    explicit = os.environ.get("KERNELSIM_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kernelsim"


def _which(candidates):
    for c in candidates:
        path = c if os.path.isabs(c) else shutil.which(c)
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def find_wine():
    return _which(WINE_CANDIDATES)


def find_wineserver(wine=None):
    if wine:
        sibling = os.path.join(os.path.dirname(wine), "wineserver")
        if os.access(sibling, os.X_OK):
            return sibling
    return _which(WINESERVER_CANDIDATES)


def find_compiler():
    return shutil.which(COMPILER)


def missing():
    """What is missing for live runs under Wine, as a one-line message; '' when all is there."""
    lacking = [what for what, found in (("Wine", find_wine()), ("mingw-w64", find_compiler())) if not found]
    if not lacking:
        return ""
    return (f"kernelsim live needs {' and '.join(lacking)} on Linux; install them with: "
            f"sudo {APT_COMMAND}")


def probe_hash():
    h = hashlib.sha256(PROBE_SOURCE.read_bytes())
    h.update(" ".join((COMPILER,) + CFLAGS + LIBS).encode())
    return h.hexdigest()[:16]


def build_probe(cache=None, compiler=None):
    """The cached probe.exe for the current source, compiling it on first use (~0.5–3 s)."""
    cache = Path(cache or cache_dir())
    exe = cache / f"probe-{probe_hash()}.exe"
    if exe.is_file():
        return exe
    compiler = compiler or find_compiler()
    if not compiler:
        raise Unavailable(missing())
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".probe-{os.getpid()}.exe"
    cmd = [compiler, *CFLAGS, "-o", str(tmp), str(PROBE_SOURCE), *LIBS]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"compiling probe.c failed:\n{done.stderr.strip()[-2000:]}")
    os.replace(tmp, exe)
    return exe


class WineSession:
    """One Wine prefix with a persistent wineserver, for as many probe runs as needed.

    Use as a context manager: the wineserver of this prefix is stopped at exit.
    """

    def __init__(self, cache=None, wine=None):
        self.cache = Path(cache or cache_dir())
        self.wine = wine or find_wine()
        if not self.wine or not find_compiler():
            raise Unavailable(missing())
        self.wineserver = find_wineserver(self.wine)
        self.prefix = self.cache / "wineprefix"
        self.exe = None
        self.server = None
        self.prefix_seconds = 0.0
        self.lock_file = None

    @property
    def env(self):
        env = dict(os.environ)
        env.update(WINEPREFIX=str(self.prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
        env.pop("DISPLAY", None)
        return env

    def _lock(self, timeout=600.0):
        """One session per prefix at a time: stopping a wineserver ends every program of its prefix."""
        import fcntl
        self.cache.mkdir(parents=True, exist_ok=True)
        self.lock_file = open(self.cache / ".session.lock", "w")
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(self.lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise BuildError(f"another kernelsim live session has held {self.cache} for "
                                     f"{timeout:g} s") from None
                if not told:
                    import sys
                    print("kernelsim: waiting for another live session on this cache to finish",
                          file=sys.stderr)
                    told = True
                time.sleep(0.2)

    def _unlock(self):
        lock, self.lock_file = self.lock_file, None
        if lock is not None:
            lock.close()

    def start(self):
        if self.lock_file is None:
            self._lock()
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self.exe = build_probe(self.cache)
        self._ensure_prefix()
        if self.wineserver and self.server is None:
            # -p: persistent, so that probe runs start warm; ended in stop() with -k.
            self.server = subprocess.Popen([self.wineserver, "-p", "-f"], env=self.env,
                                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, start_new_session=True)
        return self

    def _ensure_prefix(self):
        marker = self.prefix / ".kernelsim-ready"
        if marker.is_file():
            return
        self.cache.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        done = subprocess.run([self.wine, "wineboot", "--init"], env=self.env, capture_output=True,
                              text=True, timeout=300)
        self.prefix_seconds = time.perf_counter() - start
        if not (self.prefix / "system.reg").is_file():
            raise BuildError(f"creating the Wine prefix {self.prefix} failed (exit {done.returncode}):\n"
                             f"{done.stderr.strip()[-1500:]}")
        # wineboot leaves its own wineserver running; end it so that ours starts clean.
        self._kill_server()
        marker.write_text("created by kernelsim\n")

    def command(self):
        """The argv that runs the probe."""
        return [self.wine, str(self.exe)]

    def _kill_server(self):
        if self.wineserver:
            subprocess.run([self.wineserver, "-k"], env=self.env, capture_output=True, timeout=30)

    def stop(self):
        """End this prefix's wineserver (and with it any Wine process of the prefix)."""
        self._kill_server()
        if self.server is not None:
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server = None
        if self.wineserver:
            subprocess.run([self.wineserver, "-w"], env=self.env, capture_output=True, timeout=30)
        self._unlock()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

"""Running the probe under Wine: find Wine and mingw-w64, build probe.exe, make the prefix, own one wineserver.

Everything lives in one user cache directory (``$KERNELSIM_CACHE``, else
``$XDG_CACHE_HOME/kernelsim``, else ``~/.cache/kernelsim``): ``probe-<hash>.exe``
(the build is cached by the hash of probe.c and the compiler command) and one
Wine prefix per launcher (``wineprefix/`` for the host's Wine, created once in
~7 s; ``wineprefix-<hash>/`` for another launcher such as tools/wine10.sh's).

The launcher is ``--wine PATH``, else ``$KERNELSIM_WINE``, else the host's
Wine (Debian 12: /usr/lib/wine/wine64).  ``launcher_version`` runs it once
(``--version``); a launcher that is missing or does not run is one line saying
what is wrong and the command that fixes it (exit 2).  The version picks the
default profile: ``wine`` for Wine 8 (and 9), ``wine10`` from Wine 10 on.  A ``WineSession`` keeps one idle probe
(the keeper) running, so that the prefix's wineserver stays up and consecutive
probe runs start warm; at its end the keeper's stdin is closed, and the
wineserver exits by itself with the prefix's last program — also after errors
and Ctrl-C.  Each probe is
killed by its own process id when its run ends; nothing is killed by name.  Debian 12 ships the binary as
/usr/lib/wine/wine64 (WINE.md).
"""

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

APT_COMMAND = ("apt-get install -y --no-install-recommends wine64 gcc-mingw-w64-x86-64")
WINE10_COMMAND = "sudo tools/wine10.sh"
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


def launcher(explicit=None):
    """The Wine launcher to use: --wine PATH, else $KERNELSIM_WINE, else the host's Wine (or None)."""
    chosen = explicit or os.environ.get("KERNELSIM_WINE")
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    return find_wine()


def missing(explicit=None):
    """What is missing for live runs under Wine, as a one-line message; '' when all is there."""
    chosen = explicit or os.environ.get("KERNELSIM_WINE")
    if chosen:
        path = launcher(chosen)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            source = "--wine" if explicit else "KERNELSIM_WINE"
            return f"no Wine launcher at {path} ({source}); make one with: {_fix(path)}"
        if not find_compiler():
            return f"kernelsim live needs mingw-w64 to build the probe; install it with: sudo {APT_COMMAND}"
        return ""
    lacking = [what for what, found in (("Wine", find_wine()), ("mingw-w64", find_compiler())) if not found]
    if not lacking:
        return ""
    return (f"kernelsim live needs {' and '.join(lacking)} on Linux; install them with: "
            f"sudo {APT_COMMAND}")


def _fix(path):
    """The command that makes (or repairs) this launcher."""
    if "wine10" in str(path):
        return WINE10_COMMAND
    return f"sudo {APT_COMMAND} (or {WINE10_COMMAND} for Wine 10)"


_VERSIONS = {}


def launcher_version(path):
    """``wine --version`` of this launcher ("wine-8.0 (Debian …)"); Unavailable when it does not run."""
    path = str(path)
    if path in _VERSIONS:
        return _VERSIONS[path]
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "WINEDEBUG": "-all"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"the Wine launcher {path} does not run ({type(exc).__name__}); "
                          f"repair it with: {_fix(path)}") from None
    text = (done.stdout or "").strip().splitlines()
    if done.returncode != 0 or not text or not text[0].startswith("wine"):
        why = ((done.stderr or "").strip().splitlines() or [f"exit {done.returncode}"])[-1][:120]
        raise Unavailable(f"the Wine launcher {path} does not run ({why}); repair it with: {_fix(path)}")
    _VERSIONS[path] = text[0]
    return text[0]


def profile_for(version):
    """The model profile that describes this Wine: ``wine`` (Wine 8, 9) or ``wine10`` (10 and later)."""
    found = re.match(r"wine-(\d+)", version or "")
    if found and int(found.group(1)) >= 10:
        return "wine10"
    return "wine"


def prefix_name(wine):
    """One Wine prefix per launcher: a Wine 10 prefix must not be opened by Wine 8 (or upgraded by 10)."""
    if wine is None or os.path.realpath(wine) == os.path.realpath(find_wine() or ""):
        return "wineprefix"
    return "wineprefix-" + hashlib.sha256(os.path.realpath(wine).encode()).hexdigest()[:10]


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
        problem = missing(wine)
        if problem:
            raise Unavailable(problem)
        self.wine = launcher(wine)
        self.version = launcher_version(self.wine)
        self.profile = profile_for(self.version)
        self.wineserver = find_wineserver(self.wine)
        self.prefix = self.cache / prefix_name(self.wine)
        self.exe = None
        self.server = None
        self.prefix_seconds = 0.0

    @property
    def env(self):
        env = dict(os.environ)
        env.update(WINEPREFIX=str(self.prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
        env.pop("DISPLAY", None)
        return env

    def start(self):
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self.exe = build_probe(self.cache)
        self._ensure_prefix()
        if self.server is None:
            # A keeper: one idle probe for the whole session keeps the prefix's wineserver (and Wine's
            # services) running, so probe runs start warm.  It ends when its stdin closes (stop()),
            # and the wineserver exits by itself a few seconds after the prefix's last program.
            self.server = subprocess.Popen(self.command(), env=self.env, stdin=subprocess.PIPE,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True)
        return self

    def _ensure_prefix(self):
        marker = self.prefix / ".kernelsim-ready"
        if marker.is_file():
            return
        self.cache.mkdir(parents=True, exist_ok=True)
        import fcntl
        with open(self.cache / ".prefix.lock", "w") as lock:      # two first runs at once make it once
            fcntl.flock(lock, fcntl.LOCK_EX)
            if marker.is_file():
                return
            start = time.perf_counter()
            done = subprocess.run([self.wine, "wineboot", "--init"], env=self.env, capture_output=True,
                                  text=True, timeout=300)
            self.prefix_seconds = time.perf_counter() - start
            if not (self.prefix / "system.reg").is_file():
                why = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1][:160]
                raise Unavailable(f"creating the Wine prefix {self.prefix} with {self.wine} failed ({why}); "
                                  f"repair the launcher with: {_fix(self.wine)}")
            marker.write_text("created by kernelsim\n")

    def command(self):
        """The argv that runs the probe."""
        return [self.wine, str(self.exe)]

    def _server(self, *args, timeout=30):
        if self.wineserver:
            try:
                subprocess.run([self.wineserver, *args], env=self.env, capture_output=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                pass

    def stop(self, wait=10.0):
        """End the keeper (by its own process id) and wait for the prefix's wineserver to exit, which it
        does once no program of the prefix runs.  Nothing is killed by name or by prefix, so another
        kernelsim session on the same cache keeps its running probes (and the server with them)."""
        keeper, self.server = self.server, None
        if keeper is not None:
            try:
                keeper.stdin.close()
                keeper.wait(timeout=wait)
            except (OSError, subprocess.TimeoutExpired):
                keeper.kill()
                keeper.wait()
        self._server("-w", timeout=wait)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


_SHARED = {}          # launcher path -> a started WineSession (the tests' sessions)


def shared_session(wine=None):
    """One started WineSession per launcher for the whole Python process, stopped at exit."""
    path = launcher(wine)
    if path not in _SHARED:
        import atexit
        if not _SHARED:
            atexit.register(stop_shared_session)
        _SHARED[path] = WineSession(wine=wine).start()
    return _SHARED[path]


def running_session(wine=None):
    """The shared session of this launcher if this process already runs one, else None."""
    return _SHARED.get(launcher(wine))


def stop_shared_session(wine=None):
    """Stop the shared session of one launcher (all of them when wine is None)."""
    paths = [launcher(wine)] if wine is not None else list(_SHARED)
    for path in paths:
        session = _SHARED.pop(path, None)
        if session is not None:
            session.stop()


def processes_of(prefix):
    """PIDs of live processes whose environment names this Wine prefix (Linux /proc)."""
    needle = f"WINEPREFIX={prefix}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[-1].split()[0]
        except OSError:
            continue
        if needle in env and state != b"Z":
            found.append(int(entry))
    return found

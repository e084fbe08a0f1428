"""Layer 2: run the same scenarios on real Win32 and compare them with the model (DESIGN §6).

- ``probe/probe.c`` — a small Windows program (mingw-w64) that executes Win32 calls on request,
  one real thread per scenario thread, APCs and completion routines calling back nested;
- ``protocol.py`` — its line protocol; ``client.py`` — the probe transport (watchdog, crash report);
- ``wine.py`` — build probe.exe (cached by source hash), the Wine prefix (once per cache), the session;
- ``ctypes_transport.py`` — the same ops through ctypes on Windows;
- ``backend.py`` — the dispatcher: scenario threads as real threads → ``Outcome``;
- ``compare.py`` / ``deviations.py`` — model vs live, verdicts, the Wine 8 deviations by rule;
- ``commands.py`` — ``kernelsim live`` and ``kernelsim validate``.
"""

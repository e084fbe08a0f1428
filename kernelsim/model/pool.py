"""Non-paged pool and locked pages: the memory behind WSAENOBUFS.

What Windows does.  Sockets (AFD endpoint + transport objects, more once
connected), IRPs (784 B from the 8-stack-location lookaside), MDLs (48 B + 8 B
per page), port mini-packets (56 B) and the data AFD buffers — received and not
yet read, or accepted for sending and not yet acknowledged — live in non-paged
pool.  A pending overlapped buffer's pages are locked in physical memory until
stage 1 of its completion ("PageLock": the seed's 5,000 sessions × receive ring
buffer), and every page the buffer *spans* counts.  Both are finite: when an
allocation or a lock would pass its limit the request fails at once with
WSAENOBUFS (E3–E5), never through a packet.  An IRP whose packet is never
dequeued keeps its memory (E1).

What limits them depends on the Windows version (CONFIG ``memory_rule``):

* ``nt4`` (the default, so that exhaustion stays visible at classroom scale):
  pages locked by all applications together ≤ about 1/8 of physical memory —
  the NT 4 / Windows 2000 guidance of MS-MAG2000, *not* a rule of modern
  Windows (E3, [D-historical]); non-paged pool is the ``npp_limit`` parameter.
* ``vista``, ``win7``, ``win81``: the non-paged pool maximum of 64-bit Windows
  (E8): Vista 40 % of RAM, Windows 7 / Server 2008 (R2) 75 % of RAM, each up
  to 128 GB; Windows 8.1 / Server 2012 R2 and later RAM, up to 16 TB (MS
  "Memory Limits for Windows and Windows Server Releases", MicrosoftDocs/win32
  desktop-src/Memory/memory-limits-for-windows-releases.md; Russinovich,
  "Pushing the Limits of Windows: Paged and Nonpaged Pool", 2009).  No fixed
  share caps locked pages: MmProbeAndLockPages fails only when resident
  memory runs out (ReactOS MmResidentAvailablePages), modelled as all of RAM.

What we simplify.  One system-wide gauge for each, plus a per-tag breakdown of
the pool ("socket", "irp", "mdl", "afd-recv", "afd-send", "packet") the way
PoolMon shows pool tags.  Sizes are SEMANTICS §H's suggested defaults,
configurable through CONFIG (``npp_limit``, ``phys_mb`` or
``locked_pages_limit``, ``npp_per_irp``...); an explicit limit wins over the rule.  The profile ``wine`` has no limits
(Wine 8 let 100,000 × 64 KB receives pend: WINE.md).  Data a peer pushes at us
is charged with ``force`` (TCP has already sent it; the model never refuses
bytes on the wire), so the gauge can pass the limit by what is in flight.

Who calls what.  irp.py charges IRPs and MDLs and locks pages; afd.py and wire.py charge
sockets and buffered bytes; port.py charges PQCS mini-packets.

Rules: E1–E8 (the accounting; callers decide what fails).
"""

from .. import footprint

PAGE_SIZE = 4096
GB = 1 << 30
# memory_rule -> (non-paged pool share of RAM and cap, or None: npp_limit; locked pages: share of RAM)
MEMORY_RULES = {
    "nt4": (None, 1 / 8),                   # E3: NT 4 / 2000 guidance, about 1/8 of RAM may be locked
    "vista": ((0.40, 128 * GB), 1.0),       # E8
    "win7": ((0.75, 128 * GB), 1.0),        # E8: Windows 7, Server 2008 and 2008 R2
    "win81": ((1.0, 16 * 1024 * GB), 1.0),  # E8: Windows 8.1, Server 2012 R2 and later
}
RULE_NAMES = {"nt4": "NT 4/2000 rule: locked pages ≤ 1/8 of RAM (E3)",
              "vista": "Vista: non-paged pool ≤ 40% of RAM (E8)",
              "win7": "Windows 7/2008 R2: non-paged pool ≤ 75% of RAM, 128 GB at most (E8)",
              "win81": "Windows 8.1 and later: non-paged pool ≤ RAM, 16 TB at most (E8)"}
HEADROOM = 1 << 20          # explorer: charges commute while this much is left below a limit
DEFAULTS = {
    "npp_limit": 64 * 1024 * 1024,          # bytes of non-paged pool the model may use
    "phys_mb": 4096,                        # physical memory; locked pages default to 1/8 of it (E3)
    "npp_per_irp": 784,                     # E1
    "npp_socket_base": 2048,                # E4
    "npp_connect_extra": 1024,              # E4
    "mdl_header": 48,                       # E2
    "mdl_per_page": 8,                      # E2
}


class Pool:
    __slots__ = ("sizes", "npp_limit", "locked_limit", "enforce", "npp", "locked", "npp_peak",
                 "locked_peak", "by_tag", "irp_bytes", "mdl_header", "mdl_per_page", "rule")

    def __init__(self, config):
        cfg = {**DEFAULTS, **{k: v for k, v in config.items() if k in DEFAULTS or k == "locked_pages_limit"}}
        self.sizes = cfg
        self.rule = config.get("memory_rule", "nt4")
        if self.rule not in MEMORY_RULES:
            raise ValueError(f"CONFIG memory_rule {self.rule!r}: use one of {', '.join(MEMORY_RULES)}")
        npp_rule, locked_share = MEMORY_RULES[self.rule]
        ram = int(cfg["phys_mb"]) * 1024 * 1024
        if npp_rule is None or "npp_limit" in config:
            self.npp_limit = int(cfg["npp_limit"])
        else:
            share, cap = npp_rule
            self.npp_limit = min(int(ram * share), cap)
        self.locked_limit = int(cfg.get("locked_pages_limit") or ram // PAGE_SIZE * locked_share)
        self.enforce = True
        self.npp = 0
        self.locked = 0
        self.npp_peak = 0
        self.locked_peak = 0
        self.by_tag = {}          # pool tag -> bytes charged (PoolMon's view)
        self.irp_bytes = int(cfg["npp_per_irp"])
        self.mdl_header = int(cfg["mdl_header"])
        self.mdl_per_page = int(cfg["mdl_per_page"])

    def alloc_npp(self, nbytes, tag="other", force=False):
        """Charge nbytes of non-paged pool; False (nothing charged) if it would pass the limit."""
        if footprint.rec is not None:
            footprint.touch_key(("pool", "npp"), "*", footprint.ADD if not self.enforce or force or
                                self.npp + nbytes + HEADROOM <= self.npp_limit else footprint.W)
        if self.enforce and not force and self.npp + nbytes > self.npp_limit:
            return False
        self.npp += nbytes
        by_tag = self.by_tag
        by_tag[tag] = by_tag.get(tag, 0) + nbytes
        if self.npp > self.npp_peak:
            self.npp_peak = self.npp
        return True

    def free_npp(self, nbytes, tag="other"):
        if footprint.rec is not None:
            footprint.touch_key(("pool", "npp"), "*", footprint.ADD)
        self.npp -= nbytes
        self.by_tag[tag] = self.by_tag.get(tag, 0) - nbytes
        assert self.npp >= 0, "non-paged pool accounting went negative"

    def lock(self, pages):
        """Lock pages for a pending buffer (E2, E3); False if it would pass the limit."""
        if footprint.rec is not None:
            footprint.touch_key(("pool", "locked"), "*", footprint.ADD if not self.enforce or
                                self.locked + pages + 256 <= self.locked_limit else footprint.W)
        if self.enforce and self.locked + pages > self.locked_limit:
            return False
        self.locked += pages
        if self.locked > self.locked_peak:
            self.locked_peak = self.locked
        return True

    def unlock(self, pages):
        if footprint.rec is not None:
            footprint.touch_key(("pool", "locked"), "*", footprint.ADD)
        self.locked -= pages
        assert self.locked >= 0, "locked page accounting went negative"

    @property
    def rule_name(self):
        """Which Windows version's limits apply, for a refusal's why (E3 or E8)."""
        return RULE_NAMES[self.rule]

    # --- sizes (E1, E2, E4) ------------------------------------------------------

    def mdl_bytes(self, pages):
        """An MDL describing ``pages`` pages: 48 B header + 8 B per page on x64 (E2)."""
        return self.mdl_header + self.mdl_per_page * pages

    @property
    def socket_bytes(self):
        return int(self.sizes["npp_socket_base"])

    @property
    def connect_bytes(self):
        return int(self.sizes["npp_connect_extra"])

    def gauges(self):
        """(non-paged bytes, locked pages): what a test compares against its baseline."""
        return (self.npp, self.locked)

"""Non-paged pool and locked pages: the memory behind WSAENOBUFS.

What Windows does.  Sockets, IRPs, MDLs, port mini-packets and the data AFD
buffers for a program that does not read live in non-paged pool; a pending
overlapped buffer's pages are locked in physical memory until the request
completes ("PageLock": the seed's 5,000 sessions × receive ring buffer).  Both
are finite; when an allocation or a lock would pass the limit the request fails
at once with WSAENOBUFS (E3–E5), never through a packet.

What we simplify.  One system-wide gauge for each; the sizes are SEMANTICS §H's
suggested defaults, configurable through CONFIG.  The profile ``wine`` has no
limits (Wine 8 let 100,000 × 64 KB receives pend: WINE.md).

Rules: E1–E7 (the accounting; callers decide what fails).
"""

PAGE_SIZE = 4096
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
    def __init__(self, config):
        cfg = {**DEFAULTS, **{k: v for k, v in config.items() if k in DEFAULTS or k == "locked_pages_limit"}}
        self.sizes = cfg
        self.npp_limit = int(cfg["npp_limit"])
        self.locked_limit = int(cfg.get("locked_pages_limit") or cfg["phys_mb"] * 1024 * 1024 // PAGE_SIZE // 8)
        self.enforce = True
        self.npp = 0
        self.locked = 0
        self.npp_peak = 0
        self.locked_peak = 0

    def alloc_npp(self, nbytes):
        """Charge nbytes of non-paged pool; False (nothing charged) if it would pass the limit."""
        if self.enforce and self.npp + nbytes > self.npp_limit:
            return False
        self.npp += nbytes
        if self.npp > self.npp_peak:
            self.npp_peak = self.npp
        return True

    def free_npp(self, nbytes):
        self.npp -= nbytes
        assert self.npp >= 0, "non-paged pool accounting went negative"

    def lock(self, pages):
        """Lock pages for a pending buffer (E2, E3); False if it would pass the limit."""
        if self.enforce and self.locked + pages > self.locked_limit:
            return False
        self.locked += pages
        if self.locked > self.locked_peak:
            self.locked_peak = self.locked
        return True

    def unlock(self, pages):
        self.locked -= pages
        assert self.locked >= 0, "locked page accounting went negative"

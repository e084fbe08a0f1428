"""kernelsim: an educational simulator of the Windows I/O kernel (IRPs, APCs, completion ports, AFD)."""

__version__ = "0.1.0"

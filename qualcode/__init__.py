"""qualcode: qualitative interview research — code expert interviews, get quotes approved,
hand project leads per-theme syntheses."""

__version__ = "0.1.0"

#!/usr/bin/env python3
"""The TinyStories held-out text of the bench tables: everything after the first line break past 90 %
of the file (the part `pith train`'s 90/10 split keeps for validation). Usage: heldout.py IN OUT [A B]
With A and B, also writes the held-out text's two halves (cut at the first line break past its middle),
for checking that a difference between methods holds on both."""
import sys

b = open(sys.argv[1], 'rb').read()
cut = b.index(b'\n', int(len(b) * 0.9)) + 1
held = b[cut:]
open(sys.argv[2], 'wb').write(held)
if len(sys.argv) > 3:
    mid = held.index(b'\n', len(held) // 2) + 1
    open(sys.argv[3], 'wb').write(held[:mid])
    open(sys.argv[4], 'wb').write(held[mid:])

#!/usr/bin/env python3
"""The TinyStories held-out text of the bench tables: everything after the first line break past 90 %
of the file (the part `pith train`'s 90/10 split keeps for validation). Usage: heldout.py IN OUT"""
import sys

b = open(sys.argv[1], 'rb').read()
cut = b.index(b'\n', int(len(b) * 0.9)) + 1
open(sys.argv[2], 'wb').write(b[cut:])

#!/usr/bin/env python3
"""Disjoint calibration slices of a text's training part (everything before bench/heldout.py's
held-out cut, so a slice never holds held-out text): N slices of equal size cut at line breaks,
written to PREFIX-0.txt … PREFIX-(N-1).txt. Slice 0 starts where the file does (the chunks a plain
--calib FILE reads first). Usage: calib_slices.py IN N PREFIX"""
import sys

b = open(sys.argv[1], 'rb').read()
train = b[:b.index(b'\n', int(len(b) * 0.9)) + 1]
n, start = int(sys.argv[2]), 0
for k in range(n):
    end = len(train) if k == n - 1 else train.index(b'\n', (k + 1) * len(train) // n) + 1
    open(f"{sys.argv[3]}-{k}.txt", 'wb').write(train[start:end])
    start = end

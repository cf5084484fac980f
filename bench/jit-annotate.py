#!/usr/bin/env python3
"""Per-instruction profile of one C2-compiled Java method, without the hsdis disassembler plugin.

JDK 25 prints a compiled method's machine code as hex bytes when no hsdis library is installed
(Debian's libhsdis0-fcml only offers the pre-JDK-17 entry point). This script takes those bytes from
the JVM's output, disassembles them with objdump, and puts next to each instruction the share of
perf samples whose instruction pointer fell on it: enough to see which loop a kernel spends its time
in and what C2 made of it (unrolled or not, spills, bounds checks, broadcasts from memory).

Run the program under perf with the method printed, in one process (so the addresses agree):

  perf record -e cpu-clock -c 100000 -o perf.data \\
    java -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=quiet \\
         -XX:CompileCommand=print,dev.pith.core.kernel.Q4_0LaneGemm::tile ... > method.txt 2>&1
  perf script -i perf.data -F ip > ips.txt
  bench/jit-annotate.py method.txt ips.txt 'Q4_0LaneGemm::tile (' > tile.annotated

Of the C2 versions of the method printed, the one holding most samples is shown. Skid: a sample
often lands on the instruction after the one that stalled.
"""
import collections
import re
import subprocess
import sys
import tempfile

HEX_LINE = re.compile(r'\s*0x([0-9a-f]+): ((?:[0-9a-f]{2,8} ?\|? ?)+)$')
END_MARKERS = ('Compiled method', '[Exception Handler]', '[Stub Code]')


def compiled_versions(lines, method):
    """(start address, code bytes) of every C2 compile of `method` in the JVM's printout."""
    starts = [i for i, line in enumerate(lines) if line.startswith('Compiled method (c2)') and method in line]
    for start in starts:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(END_MARKERS)), len(lines))
        code, base = bytearray(), None
        for line in lines[start:end]:
            m = HEX_LINE.match(line)
            if not m:
                continue
            address = int(m.group(1), 16)
            chunk = bytes.fromhex(''.join(m.group(2).replace('|', '').split()))
            if base is None:
                base = address
            offset = address - base
            if offset > len(code):
                code += b'\x90' * (offset - len(code))  # a gap: filled with nops
            code[offset:offset + len(chunk)] = chunk
        if base is not None:
            yield base, bytes(code)


def main():
    if len(sys.argv) != 4:
        sys.exit('usage: jit-annotate.py METHOD_PRINTOUT PERF_IPS METHOD_SUBSTRING')
    lines = open(sys.argv[1], errors='replace').read().split('\n')
    samples = collections.Counter(int(s, 16) for s in open(sys.argv[2]).read().split() if s)
    versions = list(compiled_versions(lines, sys.argv[3]))
    if not versions:
        sys.exit(f'jit-annotate: no C2 compile of {sys.argv[3]!r} in {sys.argv[1]}')

    def inside(version):
        base, code = version
        return sum(n for ip, n in samples.items() if base <= ip < base + len(code))

    base, code = max(versions, key=inside)
    total = max(inside((base, code)), 1)
    with tempfile.NamedTemporaryFile(suffix='.bin') as f:
        f.write(code)
        f.flush()
        listing = subprocess.run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel',
                                  f'--adjust-vma={base}', f.name], capture_output=True, text=True, check=True).stdout
    print(f'{total} samples in the method ({len(versions)} C2 versions printed, the busiest shown)')
    for line in listing.split('\n'):
        m = re.match(r'\s*([0-9a-f]+):', line)
        if not m:
            continue
        n = samples.get(int(m.group(1), 16), 0)
        print(f'{100.0 * n / total:6.2f}% {line}' if n else f'        {line}')


if __name__ == '__main__':
    main()

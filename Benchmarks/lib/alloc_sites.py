#!/usr/bin/env python3
"""Where the allocations of N₂ − N₁ requests come from: two dhat profiles, subtracted.

Usage: alloc_sites.py SMALLER/dhat.out LARGER/dhat.out REQUESTS
(the dhat.out files of two alloc_count.py runs; REQUESTS = N₂ − N₁). Each allocation is put
on the first frame of its stack that is neither the allocator nor the Swift runtime or
standard library, so that the sites name our code; prints allocations and bytes per request.
"""
import collections
import json
import re
import sys

RUNTIME = re.compile(r"^(\$ss|\$sS|swift_|_swift|malloc|calloc|realloc|operator new|posix_memalign|\?\?\?)")


def sites(path):
    d = json.load(open(path))
    frames, blocks, size = d["ftbl"], collections.Counter(), collections.Counter()
    for pp in d["pps"]:
        names = [re.sub(r"^0x[0-9A-Fa-f]+: ", "", frames[i]) for i in pp["fs"]]
        site = next((n for n in names if not RUNTIME.match(n)), names[-1] if names else "?")
        blocks[site] += pp["tbk"]
        size[site] += pp["tb"]
    return blocks, size


(b1, s1), (b2, s2), n = sites(sys.argv[1]), sites(sys.argv[2]), int(sys.argv[3])
rows = sorted(((b2[k] - b1[k]) / n, (s2[k] - s1[k]) / n, k) for k in set(b1) | set(b2))
print(f"{sum(r[0] for r in rows):7.2f} {sum(r[1] for r in rows):8.0f} B  all")
for per, size, site in reversed(rows):
    if per >= 0.05:
        print(f"{per:7.2f} {size:8.0f} B  {site[:150]}")

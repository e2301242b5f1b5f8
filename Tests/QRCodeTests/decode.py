#!/usr/bin/env python3
"""Reads QR codes back from the SVG files QRCodeTests writes, with an independent decoder.

Usage: decode.py FILE.svg...   Prints one line per file, "<hex of the decoded bytes> <EC level>
<version> <mask>" as the decoder read them, or "NONE" when nothing valid decodes. The SVG is rasterised here from its viewBox and its one path
(our encoder draws each run of dark modules as "Mx yhNv1h-Nz"), so the test checks the SVG too.
"""
import re
import sys

import zxingcpp

SCALE = 4  # pixels per module


def rasterise(svg: str):
    view = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    paths = re.findall(r'<path d="([^"]*)"', svg)
    if not view or len(paths) != 1:
        raise SystemExit("unexpected SVG: need a viewBox and exactly one path")
    width, height = int(view.group(1)) * SCALE, int(view.group(2)) * SCALE
    pixels = bytearray(b"\xff" * (width * height))
    rest = re.sub(r"M(\d+) (\d+)h(\d+)v1h-\3z", "", paths[0])
    if rest:
        raise SystemExit(f"unexpected path commands: {rest[:40]!r}")
    for x, y, run in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", paths[0]):
        x, y, run = int(x) * SCALE, int(y) * SCALE, int(run) * SCALE
        for row in range(y, y + SCALE):
            pixels[row * width + x : row * width + x + run] = b"\x00" * run
    return memoryview(pixels).cast("B", (height, width))


for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as f:
        image = rasterise(f.read())
    found = [b for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode, is_pure=True) if b.valid]
    if found:
        extra = found[0].extra or {}
        print(found[0].bytes.hex(), found[0].ec_level, extra.get("Version"), extra.get("DataMask"))
    else:
        print("NONE")

"""``python -m kuznia.blobs.pack_worker TMP_DIR``: a helper process of parallel_packing.py.

Reads NUL-separated paths on stdin as they come, an empty name ending a batch (answered
with one byte, ``.``, so that the caller sends the next), and packs the files into a new
pack in TMP_DIR (pack and index as temporary files, for the caller to publish). At the
end of its input it writes ``R``, the pack's name (32 hex digits), then per file its
SHA-256 (32 bytes) and size (8 bytes, big-endian), in the order named. It imports only
packs.py and a few standard modules: a helper starts in ~30 ms.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

from kuznia.blobs.packs import PackWriter, file_chunks

ANSWER = b"R"
RECORD = struct.Struct(">32sQ")


def answer_of(output: bytes) -> tuple[str, list[tuple[str, int]]]:
    """(pack name, [(digest, size), …]) of a helper's answer."""
    name = output[1:33].decode()
    return name, [(raw.hex(), size) for raw, size in RECORD.iter_unpack(output[33:])]


def main() -> None:
    """Pack the paths arriving on stdin, as they arrive; acknowledge each batch."""
    writer = PackWriter(Path(sys.argv[1]))
    stored = []
    rest = b""
    try:
        while chunk := os.read(0, 1 << 16):
            *names, rest = (rest + chunk).split(b"\0")
            for name in names:
                if name:
                    digest, size = writer.add(file_chunks(os.fsdecode(name)))
                    stored.append(RECORD.pack(bytes.fromhex(digest), size))
                else:
                    os.write(1, b".")  # the end of a batch: send the next
        writer.finish()
    except BaseException:
        writer.discard()
        raise
    answer = memoryview(ANSWER + writer.pack.name.encode() + b"".join(stored))
    while answer:
        answer = answer[os.write(1, answer):]


if __name__ == "__main__":
    main()

"""Bodies for the replica's faults, generated as they are sent: a filler article page, a
trickled body, a 20 MB page, a gzip bomb, corrupted UTF-8. Nothing here ever holds more
than one chunk of a large body in memory."""
from __future__ import annotations

import struct
import threading
import zlib
from typing import Iterator

FILLER_TITLE = "Công đoàn cơ sở tổ chức hội nghị người lao động ({name})"
FILLER_PARAGRAPH = ("Ban Chấp hành Công đoàn cơ sở đã phối hợp với chuyên môn tổ chức hội nghị người lao động, "
                    "lấy ý kiến đoàn viên về thỏa ước lao động tập thể, chế độ phúc lợi và an toàn vệ sinh lao động.")


def filler_html(name: str, paragraphs: int = 6) -> str:
    """A plain Vietnamese article page (its own title, no canonical link)."""
    title = FILLER_TITLE.format(name=name)
    body = "".join(f"<p>{FILLER_PARAGRAPH}</p>\n" for _ in range(paragraphs))
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><article><h1>{title}</h1>\n{body}</article></body></html>\n")


def trickle(body: bytes, seconds: float, stop: threading.Event, pieces: int = 20) -> Iterator[bytes]:
    """``body`` in ``pieces`` parts spread over ``seconds``; ends early when the server stops."""
    size = -(-len(body) // pieces)
    for start in range(0, len(body), size):
        if stop.wait(seconds / pieces):
            raise ConnectionAbortedError("replica stopping")
        yield body[start:start + size]


def huge_chunks(total: int, name: str) -> tuple[int, Iterator[bytes]]:
    """(exact size, chunks) of an HTML page of about ``total`` bytes, generated as it is sent."""
    head = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}</title></head><body>\n'.encode()
    tail = b"</body></html>\n"
    line = f"<p>{FILLER_PARAGRAPH}</p>\n".encode()
    chunk = line * max(1, 65536 // len(line))
    count = max(1, -(-(total - len(head) - len(tail)) // len(chunk)))  # at least total bytes

    def chunks():
        yield head
        for _ in range(count):
            yield chunk
        yield tail
    return len(head) + count * len(chunk) + len(tail), chunks()


_ZERO_BLOCK = bytes(1 << 20)
_member_cache: dict[int, tuple[bytes, bytes, bytes]] = {}


def _gzip_member_parts(member_mb: int) -> tuple[bytes, bytes, bytes]:
    """(header, one deflated MiB of zeros, end block + trailer) of a gzip member of zeros.

    After a full flush deflate forgets its history, so every MiB of zeros deflates to the
    same ~1 KB; a member is the header, that block ``member_mb`` times, and the trailer.
    """
    if member_mb not in _member_cache:
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        block = deflate.compress(_ZERO_BLOCK) + deflate.flush(zlib.Z_FULL_FLUSH)
        end = deflate.flush(zlib.Z_FINISH)
        crc = 0
        for _ in range(member_mb):
            crc = zlib.crc32(_ZERO_BLOCK, crc)
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        trailer = struct.pack("<II", crc, (member_mb << 20) & 0xFFFFFFFF)
        _member_cache[member_mb] = (header, block, end + trailer)
    return _member_cache[member_mb]


def gzip_bomb(inflated_mb: int, member_mb: int = 1024) -> tuple[int, Iterator[bytes]]:
    """(compressed size, chunks) of valid multi-member gzip inflating to ``inflated_mb`` MiB of
    zeros (~1 KB per MiB on the wire). Streamed: nothing near the inflated size is ever held."""
    members = [member_mb] * (inflated_mb // member_mb) + ([inflated_mb % member_mb] if inflated_mb % member_mb else [])
    size = 0
    for mb in members:
        header, block, end = _gzip_member_parts(mb)
        size += len(header) + mb * len(block) + len(end)

    def chunks():
        for mb in members:
            header, block, end = _gzip_member_parts(mb)
            yield header
            for start in range(0, mb, 64):  # 64 blocks (~64 KB) per write
                yield block * min(64, mb - start)
            yield end
    return size, chunks()


def corrupt_utf8(text: str, every: int = 3) -> bytes:
    """UTF-8 with every ``every``-th multi-byte character cut short (an invalid sequence)."""
    out, seen = bytearray(), 0
    for char in text:
        encoded = char.encode("utf-8")
        if len(encoded) > 1:
            seen += 1
            if seen % every == 0:
                encoded = encoded[:-1]
        out += encoded
    return bytes(out)

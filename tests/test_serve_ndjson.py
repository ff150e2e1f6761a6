"""The service's stream parts on their own: records cut from chunks as `rexcheck screen`
numbers them, and results kept in order through the spool, in memory and on disk."""

from __future__ import annotations

import asyncio

from rexcheck.engine.services.ndjson import Lines, Spool


def records(chunks: list[bytes], max_line: int = 1000):
    lines = Lines("<body>", max_line)
    out = [r for chunk in chunks for r in lines.feed(chunk)] + list(lines.close())
    return [(r.number, r.line, r.text, r.problem and r.problem.code) for r in out]


def test_records_are_cut_across_chunks_and_numbered_like_screen():
    assert records([b'{"a":1}\n\n{"b"', b':2}\r\n', b"tail"]) == [
        (1, 1, '{"a":1}', None), (2, 3, '{"b":2}', None), (3, 4, "tail", None)]


def test_a_line_too_long_is_one_error_record_and_is_not_kept():
    lines = Lines("<body>", 10)
    out = list(lines.feed(b"0123456789abc")) + list(lines.feed(b"x" * 100000))
    assert len(lines.pending) == 0  # nothing of the long line is held
    out += list(lines.feed(b"def\n{}\n")) + list(lines.close())
    assert [(r.number, r.line, r.problem and r.problem.code) for r in out] == [
        (1, 1, "too-large"), (2, 2, None)]


def test_a_line_that_is_not_utf8_is_an_error_record_with_its_column():
    [(number, line, text, code)] = records([b'{"a": "\xff"}\n'])
    assert (number, line, text, code) == (1, 1, None, "encoding")


def test_the_spool_keeps_order_through_memory_and_disk():
    async def run():
        spool = Spool(memory=10)
        parts = [bytes([65 + i]) * (i + 3) for i in range(20)]
        for part in parts[:10]:
            spool.put(part)
        got = bytearray()
        drain = spool.drain()
        got += await drain.__anext__()
        for part in parts[10:]:
            spool.put(part)
        spool.close()
        async for chunk in drain:
            got += chunk
        return bytes(got), b"".join(parts), spool.spilled

    got, sent, spilled = asyncio.run(run())
    assert got == sent and spilled > 0

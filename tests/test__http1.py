"""The shared HTTP/1.1 response reader frames answers as h11 does, from bytes arriving in any pieces.

No socket: each case hands the reader the answer's bytes cut into pieces (one byte at a time too, the
worst a network can do) and checks the status, headers, body and keep-alive verdict a client acts on.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from polycontract._http1 import ResponseReader


class ProtocolError(Exception):
    """The error class a client gives the reader (httpx's RemoteProtocolError, or the broker client's)."""


def reader_of(pieces: Iterable[bytes]) -> ResponseReader:
    """A reader receiving ``pieces`` in turn, then ``b""`` (the peer closed)."""
    queue = iter(list(pieces))
    return ResponseReader(lambda: next(queue, b""), ProtocolError)


def split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 3, 7, 1000], ids=lambda n: f"pieces-of-{n}")
@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", b"hello"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;ext=1\r\nlo\r\n0\r\nX-T: 1\r\n\r\n",
            b"hello",
        ),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
        (b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", b"hi"),
    ],
    ids=["content-length", "chunked-with-extension-and-trailer", "chunked-hex-size", "bare-newlines"],
)
def test_a_framed_body_is_read_whole_however_it_arrives(raw: bytes, body: bytes, size: int) -> None:
    status, reason, _, got, keep = reader_of(split(raw, size)).read(head_only=False)

    assert (status, reason, got, keep) == (200, b"OK", body, True)


def test_a_body_without_framing_runs_to_the_close_and_ends_the_connection() -> None:
    answer = reader_of([b"HTTP/1.1 200 OK\r\n\r\npart one, ", b"part two"]).read(head_only=False)

    assert answer == (200, b"OK", [], b"part one, part two", False)


def test_headers_keep_their_spelling_and_order_and_folded_lines_are_joined() -> None:
    raw = b"HTTP/1.1 201 Created\r\nX-Long: one\r\n  two\r\n\tthree\r\nset-Cookie: a=1 \r\nContent-Length: 0\r\n\r\n"

    _, reason, headers, _, _ = reader_of([raw]).read(head_only=False)

    assert reason == b"Created"
    assert headers == [(b"X-Long", b"one two three"), (b"set-Cookie", b"a=1"), (b"Content-Length", b"0")]


def test_a_status_line_without_a_reason_reads_as_an_empty_reason() -> None:
    assert reader_of([b"HTTP/1.1 204\r\n\r\n"]).read(head_only=False)[:2] == (204, b"")


def test_interim_answers_are_skipped_up_to_the_final_one() -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )

    assert reader_of([raw]).read(head_only=False) == (200, b"OK", [(b"Content-Length", b"2")], b"ok", True)


@pytest.mark.parametrize(
    ("raw", "head_only", "keep"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", True, True),
        (b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", False, True),
        (b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", False, True),
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", False, False),
    ],
    ids=["head", "204", "304", "101-switches-away-from-http"],
)
def test_answers_that_carry_no_body_read_none(raw: bytes, head_only: bool, keep: bool) -> None:
    reader = reader_of([raw + b"NEXT"])

    _, _, _, body, kept = reader.read(head_only=head_only)

    assert (body, kept) == (b"", keep)
    assert reader.buffer == b"NEXT"  # what follows is not taken as a body


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n",
    ],
    ids=["http-1.0", "connection-close"],
)
def test_a_connection_the_server_will_close_is_not_kept(raw: bytes) -> None:
    assert reader_of([raw]).read(head_only=False)[4] is False


def test_answers_arriving_together_are_read_one_at_a_time() -> None:
    one = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
    two = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
    reader = reader_of([one + two[:10], two[10:]])

    first, second = reader.read(head_only=False), reader.read(head_only=False)

    assert (first[0], first[3]) == (200, b"one")
    assert (second[0], second[3]) == (404, b"two")
    assert reader.buffer == b""


OK = b"HTTP/1.1 200 OK\r\n"
CHUNKED = OK + b"Transfer-Encoding: chunked\r\n\r\n"
#: An answer the server sends before it closes, and what the error says.
MALFORMED = {
    "nothing": (b"", "Server disconnected without sending a response."),
    "cut-in-the-head": (OK + b"Content-Len", "Server disconnected without sending a response."),
    "short-content-length-body": (OK + b"Content-Length: 9\r\n\r\nabc", "received 3 bytes, expected 9"),
    "short-chunk": (CHUNKED + b"5\r\nab", "received 2 bytes, expected 5"),
    "no-chunk-line-end": (CHUNKED + b"5", "incomplete chunked read"),
    "not-http": (b"ICY 200 OK\r\n\r\n", "illegal status line: b'ICY 200 OK'"),
    "header-without-colon": (OK + b"no colon here\r\n\r\n", "illegal header line: b'no colon here'"),
    "header-name-not-a-token": (OK + b"Bad Name: x\r\n\r\n", "illegal header line: b'Bad Name: x'"),
    "unsupported-transfer-encoding": (OK + b"Transfer-Encoding: gzip, chunked\r\n\r\n", "Only Transfer-Encoding"),
    "conflicting-content-lengths": (OK + b"Content-Length: 1, 2\r\n\r\nab", "bad Content-Length: [b'1', b'2']"),
    "negative-content-length": (OK + b"Content-Length: -1\r\n\r\n", "bad Content-Length: [b'-1']"),
    "chunk-size-not-plain-hex": (CHUNKED + b"0x2\r\nab\r\n0\r\n\r\n", "illegal chunk size: b'0x2'"),
    "chunk-longer-than-its-size": (CHUNKED + b"2\r\nabc\r\n0\r\n\r\n", "a chunk is longer than its size says"),
    "endless-head": (OK + b"X: " + b"y" * 70_000, "the response's header block is too long"),
    "endless-chunk-size": (CHUNKED + b"1" * 70_000, "a chunk header is too long"),
}


@pytest.mark.parametrize(("raw", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_or_cut_answer_raises_the_client_s_error_with_h11_s_words(raw: bytes, message: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        reader_of([raw]).read(head_only=False)

    assert message in str(caught.value)


def test_errors_from_receiving_pass_through_untouched() -> None:
    def recv() -> bytes:
        raise TimeoutError("timed out")

    with pytest.raises(TimeoutError, match="timed out"):
        ResponseReader(recv, ProtocolError).read(head_only=False)

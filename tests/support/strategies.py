"""Hypothesis strategies the fuzz tests share: odd text, long texts, JSON, raw bodies,
content types and lying lengths.
"""

from __future__ import annotations

import json
import string

from hypothesis import strategies as st

from bot.channels.http import MAX_BODY

# Strategies shared by the tests.


class Described(str):
    """Generated text that shows as what made it: a 100 KB example is unreadable."""

    description: str

    def __new__(cls, text: str, description: str) -> Described:
        made = super().__new__(cls, text)
        made.description = description
        return made

    def __repr__(self) -> str:
        return self.description


class DescribedBytes(bytes):
    description: str

    def __new__(cls, data: bytes, description: str) -> DescribedBytes:
        made = super().__new__(cls, data)
        made.description = description
        return made

    def __repr__(self) -> str:
        return self.description


ODD_STRINGS = [
    "",
    " ",
    "\n",
    "\r\n",
    "\x00",
    "\x01\x1f\x7f",
    "\u200b",
    "\u202e",
    "\ufeff",
    "\ufffe",
    "🙂",
    "مرحبا",
    "R-2345",
    "<b>]]></b>",
    "&amp;",
    "%",
    "%00",
    "{}",
    "null",
    "NaN",
    "-inf",
    "1e400",
    "STOP",
    "START",
    "aide",
    "oubli",
    "oui",
    "menu",
    "93200",
    "0",
    "-1",
    "9" * 40,
    "4970 1012 3456 7890",
]
odd_text = st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=60))
ascii_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
"""What an HTTP header value may hold."""
token_text = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=60)


@st.composite
def long_texts(draw) -> str:
    """10 KB or more: one piece of random text repeated."""
    piece = draw(
        st.text(min_size=1, max_size=8) | st.sampled_from(["a", "é", "🙂", "mot de passe "])
    )
    times = 10_240 // len(piece) + 1
    return Described(piece * times, f"{piece!r} * {times}")


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    odd_text,
    st.sampled_from([10**400, -(10**30), 2**63, 1e308, -0.0]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(odd_text, children, max_size=4)
    ),
    max_leaves=15,
)


def json_bytes(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


raw_bodies = st.one_of(
    st.binary(max_size=300),
    odd_text.map(str.encode),
    json_values.map(json_bytes),
    st.sampled_from([b"%", b"=&=&", b"a=%ff", b"a=%ED%A0%80", b"\xff\xfe", b"x" * (MAX_BODY + 1)]),
)
content_types = st.one_of(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=latin-1",
            "application/json",
            "text/plain",
            "multipart/form-data; boundary=x",
            "",
        ]
    ),
    ascii_text,
)
length_lies = st.sampled_from([None, "0", "1", "-1", "abc", " 12", str(MAX_BODY + 1), "9" * 30])


def lying_headers(content_type: str, length: str | None) -> dict[str, str]:
    headers = {"content-type": content_type}
    if length is not None:
        headers["content-length"] = length
    return headers


def declared_too_large(length: str | None) -> bool:
    return length is not None and length.isdigit() and int(length) > MAX_BODY


def mostly(usual, unusual):
    """`usual` three times in four."""
    return st.one_of(usual, usual, usual, unusual)


METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW")

"""Streamed XML through defusedxml: entity declarations and external entities refused."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .model import ReportError

GZIP_MAGIC = b"\x1f\x8b"


def open_maybe_gzip(path: Path) -> IO[bytes]:
    with open(path, "rb") as fh:
        gz = fh.read(2) == GZIP_MAGIC
    return cast(IO[bytes], gzip.open(path, "rb")) if gz else open(path, "rb")


def iter_elements(path: Path, events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, Element]]:
    """(event, element) pairs; any parse or security failure becomes a ReportError.

    A bare DOCTYPE is allowed (gcovr and istanbul write one); expat never fetches it.
    """
    try:
        with open_maybe_gzip(path) as fh:
            yield from iterparse(fh, events=events, forbid_dtd=False)
    except DefusedXmlException as exc:
        raise ReportError(
            path, f"refused unsafe XML ({type(exc).__name__}: entities are not allowed)"
        ) from None
    except ParseError as exc:
        raise ReportError(path, f"not valid XML ({exc})") from None
    except (OSError, EOFError, zlib.error) as exc:  # gzip errors included
        raise ReportError(path, f"cannot be read ({exc})") from None


def root_tag(path: Path) -> str:
    """The root element's name, reading only the start of the file."""
    for _event, elem in iter_elements(path, events=("start",)):
        return elem.tag
    raise ReportError(path, "empty XML")

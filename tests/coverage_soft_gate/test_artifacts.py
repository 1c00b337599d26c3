"""Artifacts through the fake GitHub over real HTTP: listing, the two-hop download, safe unzip."""

from __future__ import annotations

import io
import random
import stat
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from github import Github

from ci_toolkit.coverage_soft_gate import artifacts
from ci_toolkit.coverage_soft_gate.artifacts import (
    MAX_BYTES_ENV,
    Artifact,
    ArtifactError,
    download,
    list_artifacts,
    max_unpacked_bytes,
    safe_name,
)
from ci_toolkit.github import client
from ci_toolkit.github.client import connect

RUN = 4242
ZIP_PATH = r"/actions/artifacts/\d+/zip$"
MiB = 1024**2


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client.WAITS, "scale", 0.0)
    monkeypatch.setattr(client.WAITS, "spent", 0.0)
    monkeypatch.delenv(MAX_BYTES_ENV, raising=False)


@pytest.fixture
def gh(fake: Any) -> Iterator[Github]:
    g = connect(fake.token, fake.url)
    yield g
    g.close()


def files_under(root: Path) -> set[str]:
    """Every file and link below root, as relative POSIX paths."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() or p.is_symlink()}


def zip_of(*entries: tuple[str | zipfile.ZipInfo, bytes]) -> bytes:
    """A zip written entry by entry, with names kept exactly as given (no sanitising)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def with_declared_size(data: bytes, size: int) -> bytes:
    """The one-entry zip `data` with its uncompressed size rewritten in both headers."""
    out = bytearray(data)
    central = out.rfind(b"PK\x01\x02")
    struct.pack_into("<I", out, 22, size)  # local file header
    struct.pack_into("<I", out, central + 24, size)  # central directory header
    return bytes(out)


def one(fake: Any, gh: Github, data: bytes, name: str = "coverage-evil") -> Artifact:
    fake.add_run(RUN, artifacts=[(name, data)])
    [artifact] = list_artifacts(gh, fake.repo_full_name, RUN, name)
    return artifact


def refused(fake: Any, gh: Github, tmp_path: Path, artifact: Artifact, **kw: Any) -> str:
    """Download must refuse with one clean line, leaving nothing anywhere under tmp_path."""
    with pytest.raises(ArtifactError) as err:
        download(gh, fake.repo_full_name, artifact, tmp_path / "out" / "dest", **kw)
    assert files_under(tmp_path) == set()
    assert list((tmp_path / "out" / "dest").iterdir()) == []
    message = str(err.value)
    assert "\n" not in message and fake.token not in message and "sig=" not in message
    return message


def refused_zip(fake: Any, gh: Github, tmp_path: Path, data: bytes, **kw: Any) -> str:
    return refused(fake, gh, tmp_path, one(fake, gh, data), **kw)


# ---------------------------------------------------------------------------- listing


def test_lists_every_page_matching_the_pattern_sorted_by_name(fake: Any, gh: Github) -> None:
    arts = [dict(name=f"coverage-{i:03}", files={"coverage.json": b"{}"}) for i in range(130)]
    fake.add_run(RUN, artifacts=[*arts, dict(name="junit-linux", files={"r.xml": b"<x/>"})])

    found = list_artifacts(gh, fake.repo_full_name, RUN, "coverage-*")

    assert [a.name for a in found] == [f"coverage-{i:03}" for i in range(130)]
    assert all(a.size > 0 and not a.expired for a in found)
    listing = [r for r in fake.requests if r.path.endswith(f"/runs/{RUN}/artifacts")]
    assert len(listing) == 2
    assert all(r.query.get("per_page") == "100" for r in listing)


def test_listing_reports_expired_and_matches_exactly(fake: Any, gh: Github) -> None:
    fake.add_run(RUN, artifacts=[dict(name="coverage-a", files={"x": b"1"}, expired=True),
                                 dict(name="Coverage-b", files={"x": b"1"})])

    found = list_artifacts(gh, fake.repo_full_name, RUN, "coverage-*")

    assert found == [Artifact(found[0].id, "coverage-a", found[0].size, True)]


def test_listing_retries_a_server_error(fake: Any, gh: Github) -> None:
    fake.add_run(RUN, artifacts=[dict(name="coverage-a", files={"x": b"1"})])
    fake.fail("GET", rf"/runs/{RUN}/artifacts$", 503)

    assert [a.name for a in list_artifacts(gh, fake.repo_full_name, RUN, "*")] == ["coverage-a"]


def test_listing_a_missing_run_names_the_permission(fake: Any, gh: Github) -> None:
    with pytest.raises(ArtifactError, match=r"404.*`actions: read`"):
        list_artifacts(gh, fake.repo_full_name, 999, "coverage-*")


# ---------------------------------------------------------------------------- download


def test_downloads_two_artifacts_into_their_own_folders(fake: Any, gh: Github,
                                                        tmp_path: Path) -> None:
    fake.add_run(RUN, artifacts=[
        dict(name="coverage-linux", files={"coverage.json": b'{"a": 1}',
                                           "sub/dir/coverage.xml": b"<coverage/>"}),
        dict(name="coverage-windows", files={"lcov.info": b"TN:\n"}),
    ])
    dest = tmp_path / "dest"

    folders = [download(gh, fake.repo_full_name, a, dest)
               for a in list_artifacts(gh, fake.repo_full_name, RUN, "coverage-*")]

    assert folders == [dest / "coverage-linux", dest / "coverage-windows"]
    assert files_under(tmp_path) == {"dest/coverage-linux/coverage.json",
                                     "dest/coverage-linux/sub/dir/coverage.xml",
                                     "dest/coverage-windows/lcov.info"}
    assert (folders[0] / "sub/dir/coverage.xml").read_bytes() == b"<coverage/>"
    assert (folders[1] / "lcov.info").read_bytes() == b"TN:\n"


def test_the_storage_host_never_sees_the_token(fake: Any, gh: Github, tmp_path: Path) -> None:
    artifact = one(fake, gh, zip_of(("a.txt", b"a")))

    download(gh, fake.repo_full_name, artifact, tmp_path)

    assert len(fake.blob_requests) == 1
    assert "Authorization" not in fake.blob_requests[0].headers
    assert not any(fake.token in v for v in fake.blob_requests[0].headers.values())
    [api_hop] = [r for r in fake.requests if r.path.endswith("/zip")]
    assert api_hop.headers["Authorization"].endswith(fake.token)


def test_expired_in_the_listing_is_refused_without_a_request(fake: Any, gh: Github,
                                                             tmp_path: Path) -> None:
    fake.add_run(RUN, artifacts=[dict(name="coverage-old", files={"x": b"1"}, expired=True)])
    [artifact] = list_artifacts(gh, fake.repo_full_name, RUN, "*")

    with pytest.raises(ArtifactError, match=r"'coverage-old': expired \(410\)"):
        download(gh, fake.repo_full_name, artifact, tmp_path)
    assert fake.count(prefix=f"/repos/{fake.repo_full_name}/actions/artifacts") == 0


def test_expired_since_the_listing_410(fake: Any, gh: Github, tmp_path: Path) -> None:
    fake.add_run(RUN, artifacts=[dict(name="coverage-old", files={"x": b"1"}, expired=True)])
    [listed] = list_artifacts(gh, fake.repo_full_name, RUN, "*")
    stale = Artifact(listed.id, listed.name, listed.size, expired=False)

    with pytest.raises(ArtifactError, match=r"expired \(410\).*re-run"):
        download(gh, fake.repo_full_name, stale, tmp_path / "dest")
    assert files_under(tmp_path) == set()


def test_404_names_the_permission(fake: Any, gh: Github, tmp_path: Path) -> None:
    gone = Artifact(id=987654, name="coverage-gone", size=10, expired=False)

    with pytest.raises(ArtifactError) as err:
        download(gh, fake.repo_full_name, gone, tmp_path / "dest")
    assert str(err.value) == ("Artifact 'coverage-gone': Could not download it: not found (404) "
                              "or the token lacks `actions: read`.")


def test_403_names_the_permission(fake: Any, gh: Github, tmp_path: Path) -> None:
    artifact = one(fake, gh, zip_of(("a.txt", b"a")))
    fake.fail("GET", ZIP_PATH, 403, body={"message": "Resource not accessible by integration"})

    message = refused(fake, gh, tmp_path, artifact)

    assert "403 (Resource not accessible by integration)" in message
    assert "The token needs `actions: read`" in message
    assert fake.blob_requests == []


def test_api_server_errors_then_success(fake: Any, gh: Github, tmp_path: Path) -> None:
    artifact = one(fake, gh, zip_of(("a.txt", b"a")))
    fake.fail("GET", ZIP_PATH, 502, times=2)

    folder = download(gh, fake.repo_full_name, artifact, tmp_path)

    assert (folder / "a.txt").read_bytes() == b"a"
    assert fake.count(prefix=f"/repos/{fake.repo_full_name}/actions/artifacts") == 3


@pytest.mark.parametrize("outage", ["503", "no answer"])
def test_storage_outage_then_success_with_a_fresh_link(fake: Any, gh: Github, tmp_path: Path,
                                                       outage: str) -> None:
    artifact = one(fake, gh, zip_of(("a.txt", b"a")))
    # The first link GitHub gives points at a storage host that is down.
    fake.fail("GET", ZIP_PATH, 302, body=b"", headers={"Location": f"{fake.url}/storage-down"})
    if outage == "503":
        fake.fail("GET", r"^/storage-down$", 503)
    else:
        fake.hang("GET", r"^/storage-down$", then_apply=False)

    folder = download(gh, fake.repo_full_name, artifact, tmp_path)

    assert (folder / "a.txt").read_bytes() == b"a"
    [down] = [r for r in fake.requests if r.path == "/storage-down"]
    assert "Authorization" not in down.headers
    assert fake.count(prefix=f"/repos/{fake.repo_full_name}/actions/artifacts") == 2


def test_server_errors_that_persist_give_up(fake: Any, gh: Github, tmp_path: Path) -> None:
    artifact = one(fake, gh, zip_of(("a.txt", b"a")))
    fake.fail("GET", ZIP_PATH, 502, times=50)

    message = refused(fake, gh, tmp_path, artifact)

    assert "kept answering with server errors" in message
    assert fake.count(prefix=f"/repos/{fake.repo_full_name}/actions/artifacts") <= 4


def test_an_answer_without_redirect_is_an_error(fake: Any, gh: Github, tmp_path: Path) -> None:
    artifact = one(fake, gh, zip_of(("a.txt", b"a")))
    fake.fail("GET", ZIP_PATH, 200, body={"message": "ok"})

    message = refused(fake, gh, tmp_path, artifact)

    assert "without a redirect" in message


def test_a_missing_blob_is_an_error(fake: Any, gh: Github, tmp_path: Path) -> None:
    artifact = one(fake, gh, zip_of(("a.txt", b"a")))
    del fake.artifact_zips[artifact.id]

    assert "storage host answered 404" in refused(fake, gh, tmp_path, artifact)


def test_an_existing_folder_is_not_overwritten(fake: Any, gh: Github, tmp_path: Path) -> None:
    artifact = one(fake, gh, zip_of(("a.txt", b"new")))
    (tmp_path / artifact.name).mkdir()
    (tmp_path / artifact.name / "a.txt").write_bytes(b"old")

    with pytest.raises(ArtifactError, match="already exists"):
        download(gh, fake.repo_full_name, artifact, tmp_path)
    assert (tmp_path / artifact.name / "a.txt").read_bytes() == b"old"


# ---------------------------------------------------------------------------- hostile zips


@pytest.mark.parametrize("entry", [
    "../evil.txt", "a/../../evil.txt", "a/../../../out/evil.txt", "/abs/evil.txt",
    "C:/evil.txt", "c:evil.txt", "..\\evil.txt", "a\\..\\..\\evil.txt", "..",
])
def test_paths_leaving_the_folder_are_refused(fake: Any, gh: Github, tmp_path: Path,
                                              entry: str) -> None:
    data = zip_of(("fine.txt", b"ok"), (entry, b"pwned"))

    message = refused_zip(fake, gh, tmp_path, data)

    assert repr(entry) in message and "refused" in message


def test_symlink_entries_are_refused(fake: Any, gh: Github, tmp_path: Path) -> None:
    link = zipfile.ZipInfo("coverage.json")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16

    message = refused_zip(fake, gh, tmp_path, zip_of(("a.txt", b"a"), (link, b"/etc/passwd")))

    assert "symbolic link" in message


def test_duplicate_entries_are_refused(fake: Any, gh: Github, tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = zip_of(("a.txt", b"first"), ("a.txt", b"second"))

    assert "one path twice" in refused_zip(fake, gh, tmp_path, data)


@pytest.mark.parametrize("entries", [
    [("a", b"file"), ("a/b/c.txt", b"below a file")],  # mkdir meets a file: NotADirectoryError
    [("a", b"file"), ("a/c.txt", b"below a file")],
])
def test_a_file_where_a_folder_is_needed_is_refused(fake: Any, gh: Github, tmp_path: Path,
                                                    entries: list[tuple[str, bytes]]) -> None:
    assert "one path twice" in refused_zip(fake, gh, tmp_path, zip_of(*entries))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_of(("zeros.bin", bytes(50 * MiB)))  # about 50 KB of zip


def test_a_zip_bomb_stops_at_the_cap(fake: Any, gh: Github, tmp_path: Path, bomb: bytes) -> None:
    message = refused_zip(fake, gh, tmp_path, bomb, max_bytes=5 * MiB)

    assert f"more than {5 * MiB} bytes" in message and MAX_BYTES_ENV in message


def test_a_zip_bomb_stops_at_the_ratio(fake: Any, gh: Github, tmp_path: Path,
                                       bomb: bytes) -> None:
    assert "expands more than" in refused_zip(fake, gh, tmp_path, bomb)


def test_many_small_bombs_stop_at_the_archive_ratio(fake: Any, gh: Github,
                                                    tmp_path: Path) -> None:
    data = zip_of(*((f"zeros{i}.bin", bytes(MiB)) for i in range(20)))  # each under the floor

    assert "the zip expands more than" in refused_zip(fake, gh, tmp_path, data)


def test_a_download_far_larger_than_the_cap_stops(fake: Any, gh: Github, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(artifacts, "DOWNLOAD_SLACK", 0)
    data = zip_of(("noise.bin", random.Random(1).randbytes(5000)))

    assert "the zip is larger than 2000 bytes" in refused_zip(fake, gh, tmp_path, data,
                                                              max_bytes=1000)


def test_the_cap_comes_from_the_environment(fake: Any, gh: Github, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_BYTES_ENV, "1000")

    assert "more than 1000 bytes" in refused_zip(fake, gh, tmp_path, zip_of(("a", b"x" * 1001)))


def test_the_cap_counts_every_file(fake: Any, gh: Github, tmp_path: Path) -> None:
    data = zip_of(*((f"f{i}.txt", b"x" * 400) for i in range(3)))

    assert "more than 1000 bytes" in refused_zip(fake, gh, tmp_path, data, max_bytes=1000)


def test_a_header_that_understates_the_size_does_not_pass(fake: Any, gh: Github,
                                                          tmp_path: Path) -> None:
    data = with_declared_size(zip_of(("big.txt", b"a" * (5 * MiB))), 100)

    assert "corrupt" in refused_zip(fake, gh, tmp_path, data, max_bytes=MiB)


def test_a_header_that_overstates_the_size_is_not_trusted(fake: Any, gh: Github,
                                                          tmp_path: Path) -> None:
    data = with_declared_size(zip_of(("small.txt", b"tiny")), 0xFFFFFFF0)  # "4 GiB"
    artifact = one(fake, gh, data)

    folder = download(gh, fake.repo_full_name, artifact, tmp_path, max_bytes=MiB)

    assert (folder / "small.txt").read_bytes() == b"tiny"


@pytest.mark.parametrize("data", [
    b"this is not a zip at all",
    zip_of(("a.txt", b"a" * 10_000))[:-30],  # truncated: no end of central directory
    zip_of(("a.txt", b"a" * 10_000)).replace(b"a.txt", b"b.txt", 1),  # local/central disagree
])
def test_a_corrupt_zip_is_an_error(fake: Any, gh: Github, tmp_path: Path, data: bytes) -> None:
    assert "corrupt" in refused_zip(fake, gh, tmp_path, data)


def test_a_flipped_byte_in_the_data_is_an_error(fake: Any, gh: Github, tmp_path: Path) -> None:
    data = bytearray(zip_of(("a.txt", bytes(range(256)) * 100)))
    data[60] ^= 0xFF  # inside the deflate stream of the only entry

    assert "corrupt" in refused_zip(fake, gh, tmp_path, bytes(data))


# ---------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(("name", "expected"), [
    ("coverage-py3.12 (ubuntu)", "coverage-py3.12 (ubuntu)"),
    ("a/b\\c", "a_b_c"),
    ("..", "artifact-7"),
    (".hidden", "artifact-7_.hidden"),
    ("", "artifact-7"),
])
def test_safe_name(name: str, expected: str) -> None:
    assert safe_name(Artifact(7, name, 1, False)) == expected


def test_max_unpacked_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_unpacked_bytes() == 2 * 1024**3
    monkeypatch.setenv(MAX_BYTES_ENV, "12345")
    assert max_unpacked_bytes() == 12345
    monkeypatch.setenv(MAX_BYTES_ENV, "lots")
    with pytest.raises(ValueError, match=MAX_BYTES_ENV):
        max_unpacked_bytes()

"""Content-addressed file store: ``<root>/objects/ab/cdef…`` named by the SHA-256 of the content.

Uploads stream into ``<root>/tmp`` (a 200 MB video never sits in memory), are hashed on the way, checked by
content and size, and only then moved into place. An object is never overwritten or deleted by the
application: the same content is stored once; a correction is another object. A file placed during a
transaction that rolls back is removed again (nothing stored on refusal).

The root is ``ZHIFA_ATTACHMENTS_DIR`` (default ``var/attachments`` in the repository).
"""
from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session

from engine import filetypes
from engine.config import ROOT
from engine.errors import PayloadTooLarge, UnsupportedType, ValidationFailed

CHUNK = 256 * 1024
_PENDING = "zhifa.placed_files"


def root() -> Path:
    return Path(os.environ.get("ZHIFA_ATTACHMENTS_DIR") or ROOT / "var" / "attachments")


def object_path(sha256: str) -> Path:
    return root() / "objects" / sha256[:2] / sha256[2:]


def thumbnail_path(sha256: str) -> Path:
    return root() / "thumbs" / sha256[:2] / f"{sha256[2:]}.jpg"


@dataclass
class Received:
    """An upload in a temporary file: its hash, size and type (from content)."""

    path: Path
    sha256: str
    size: int
    type: filetypes.FileType
    filename: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _too_large(category: str) -> PayloadTooLarge:
    allowed = filetypes.limits()[category]
    limit = f"{allowed / filetypes.MB:g}"
    name = filetypes.CATEGORY_NAMES[category]
    return PayloadTooLarge(f"{category} files may be at most {limit} MB",
                           zh=f"{name}不得超过 {limit} MB", limit_bytes=allowed)


def _unsupported() -> UnsupportedType:
    return UnsupportedType(
        "the content is not an accepted file type (photo, video, audio, PDF or office document)",
        zh="文件内容不是可接受的类型（照片、视频、录音、PDF 或办公文档），不能以改扩展名的方式上传")


def _empty() -> ValidationFailed:
    return ValidationFailed("the file is empty", {"file": ["the file is empty"]},
                            zh="文件为空（0 字节）", errors_zh={"file": ["文件为空"]})


def receive(source: BinaryIO | Iterable[bytes], filename: str, declared_length: int | None = None) -> Received:
    """Stream ``source`` into a temporary file, refusing early what cannot be accepted.

    Refusals: an empty file (422), content that is no accepted type (415, decided on the first bytes),
    more bytes than the type's limit (413, also decided up front from ``declared_length``). Nothing is
    left on disk after a refusal.
    """
    largest = max(filetypes.limits().items(), key=lambda kv: kv[1])
    if declared_length is not None and declared_length > largest[1]:
        raise _too_large(largest[0])
    tmp_dir = root() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f"{uuid.uuid4().hex}.part"
    digest, size, head, limit = hashlib.sha256(), 0, b"", None
    chunks = _chunks(source)
    try:
        with open(path, "xb") as out:
            for chunk in chunks:
                if not chunk:
                    continue
                if limit is None:
                    head += chunk[:filetypes.HEAD_BYTES - len(head)]
                    if len(head) < filetypes.HEAD_BYTES:
                        pass  # decide once enough bytes (or the end) arrived
                    else:
                        limit = _limit_for(head, declared_length)
                size += len(chunk)
                if limit is not None and size > limit[1]:
                    raise _too_large(limit[0])
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise _empty()
        if limit is None:
            limit = _limit_for(head, declared_length)
            if size > limit[1]:
                raise _too_large(limit[0])
        kind = filetypes.identify(path, head, filename)
        if kind is None:
            raise _unsupported()
        return Received(path, digest.hexdigest(), size, kind, filename)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _limit_for(head: bytes, declared_length: int | None) -> tuple[str, int]:
    code = filetypes.sniff_head(head)
    if code is None:
        raise _unsupported()
    category = "office" if code in ("zip", "ole2") else filetypes.TYPES[code].category
    limit = filetypes.limits()[category]
    if declared_length is not None and declared_length > limit:
        raise _too_large(category)
    return category, limit


def _chunks(source) -> Iterable[bytes]:
    if hasattr(source, "read"):
        while True:
            chunk = source.read(CHUNK)
            if not chunk:
                return
            yield chunk
    else:
        yield from source


def place(session: Session, received: Received) -> Path:
    """Move the upload to its content address (kept if the same content is already stored).

    If the session's transaction rolls back, a file placed by it is removed again.
    """
    target = object_path(received.sha256)
    if target.exists() and hash_file(target) == received.sha256:
        received.discard()
        return target
    # new content — or a stored copy that was damaged on disk: the upload has the true content of the address
    target.parent.mkdir(parents=True, exist_ok=True)
    repaired = target.exists()
    if repaired:
        os.chmod(target, 0o644)
    os.replace(received.path, target)
    os.chmod(target, 0o444)
    if not repaired:
        session.info.setdefault(_PENDING, []).append(target)
    return target


def store_bytes(session: Session, content: bytes, type_code: str) -> tuple[str, int]:
    """Store generated content (a PDF the platform rendered): same store, same rules."""
    sha = hashlib.sha256(content).hexdigest()
    target = object_path(sha)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = root() / "tmp" / f"{uuid.uuid4().hex}.part"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(content)
        os.replace(tmp, target)
        os.chmod(target, 0o444)
        session.info.setdefault(_PENDING, []).append(target)
    return sha, len(content)


def hash_file(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK * 4), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_filename(filename: str | None) -> str:
    """A plain file name: no path, no control characters, at most 200 characters."""
    name = (filename or "").strip()
    problem = None
    if not name:
        problem = ("a file name is required", "缺少文件名")
    elif len(name) > 200:
        problem = ("the file name is longer than 200 characters", "文件名超过 200 个字符")
    elif any(c in name for c in "/\\") or name in (".", "..") or ".." in name.split("/"):
        problem = ("the file name must not contain a path (/, \\ or ..)", "文件名不得包含路径（/、\\ 或 ..）")
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        problem = ("the file name contains control characters", "文件名含有控制字符")
    if problem:
        raise ValidationFailed(problem[0], {"filename": [problem[0]]}, zh=problem[1],
                               errors_zh={"filename": [problem[1]]})
    return name


@event.listens_for(Session, "after_commit")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_placed(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint; the outer transaction decides
        return
    for target in session.info.pop(_PENDING, []):
        try:
            os.chmod(target, 0o644)
            target.unlink(missing_ok=True)
        except OSError:
            pass

"""What a file is, judged by its content (magic bytes), never by its name; and how large each kind may be.

Evidence comes from phones and office PCs: photos (JPEG, PNG, GIF, WebP, HEIC), video (MP4, MOV, 3GP),
audio (MP3, M4A, WAV, AMR), PDF and office files (DOCX/XLSX/PPTX, legacy DOC/XLS/PPT). Anything else —
an executable renamed ``.jpg``, a script, an archive — is refused.
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    code: str        # jpeg, png, mp4, pdf, docx, ...
    media_type: str  # what downloads are served as
    category: str    # image | video | audio | pdf | office
    extension: str


TYPES = {t.code: t for t in [
    FileType("jpeg", "image/jpeg", "image", "jpg"),
    FileType("png", "image/png", "image", "png"),
    FileType("gif", "image/gif", "image", "gif"),
    FileType("webp", "image/webp", "image", "webp"),
    FileType("heic", "image/heic", "image", "heic"),
    FileType("mp4", "video/mp4", "video", "mp4"),
    FileType("mov", "video/quicktime", "video", "mov"),
    FileType("3gp", "video/3gpp", "video", "3gp"),
    FileType("mp3", "audio/mpeg", "audio", "mp3"),
    FileType("m4a", "audio/mp4", "audio", "m4a"),
    FileType("wav", "audio/wav", "audio", "wav"),
    FileType("amr", "audio/amr", "audio", "amr"),
    FileType("pdf", "application/pdf", "pdf", "pdf"),
    FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "office", "docx"),
    FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "office", "xlsx"),
    FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "office", "pptx"),
    FileType("doc", "application/msword", "office", "doc"),
    FileType("xls", "application/vnd.ms-excel", "office", "xls"),
    FileType("ppt", "application/vnd.ms-powerpoint", "office", "ppt"),
]}

# Upper size limit per category in MB (413 past it); ZHIFA_UPLOAD_LIMITS="image=30,video=500" overrides.
DEFAULT_LIMITS_MB = {"image": 30, "video": 500, "audio": 100, "pdf": 50, "office": 50}


def limits() -> dict[str, int]:
    """Bytes allowed per category."""
    mb = dict(DEFAULT_LIMITS_MB)
    for item in os.environ.get("ZHIFA_UPLOAD_LIMITS", "").split(","):
        name, _, value = item.partition("=")
        if name.strip() in mb and value.strip().replace(".", "", 1).isdigit():
            mb[name.strip()] = float(value)
    return {k: int(v * MB) for k, v in mb.items()}

HEAD_BYTES = 64  # enough for every signature below

CATEGORY_NAMES = {"image": "照片", "video": "视频", "audio": "录音", "pdf": "PDF 文件", "office": "办公文件"}

_ISO_BRANDS = {  # ISO base media file "ftyp" major brands
    "heic": "heic", "heix": "heic", "heim": "heic", "heis": "heic", "hevc": "heic", "hevx": "heic",
    "mif1": "heic", "msf1": "heic",
    "qt  ": "mov",
    "M4A ": "m4a", "M4B ": "m4a", "M4P ": "m4a",
    "3gp4": "3gp", "3gp5": "3gp", "3gp6": "3gp", "3g2a": "3gp",
}
_MP4_BRANDS = {"isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "MSNV", "M4V ", "mmp4",
               "XAVC", "f4v "}
_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_OLE_BY_EXT = {"doc": "doc", "wps": "doc", "xls": "xls", "et": "xls", "ppt": "ppt", "dps": "ppt"}


def sniff_head(head: bytes) -> str | None:
    """The type code for the first bytes of a file, ``"zip"``/``"ole2"`` for containers, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("latin-1")
        if brand in _ISO_BRANDS:
            return _ISO_BRANDS[brand]
        if brand in _MP4_BRANDS:
            return "mp4"
        return None
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] in (0xFB, 0xF3, 0xF2, 0xFA)):
        return "mp3"
    if head.startswith(b"#!AMR"):
        return "amr"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_OLE2):
        return "ole2"
    return None


def identify(path: Path, head: bytes, filename: str) -> FileType | None:
    """The file's type from its content; containers (ZIP, OLE2) are looked into. None: not accepted."""
    code = sniff_head(head)
    if code == "zip":
        code = _office_zip(path)
    elif code == "ole2":
        code = _OLE_BY_EXT.get(extension(filename), "doc")
    return TYPES.get(code) if code else None


def _office_zip(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, code in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if any(n.startswith(prefix) for n in names):
            return code
    return None


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""

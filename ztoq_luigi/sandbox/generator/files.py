"""Attachments embedded in rich text: the only attachments a Zephyr v2 extract can reach.

The v2 API has no attachment endpoints, so images and files show up only as `<img>` and `<a>`
URLs inside HTML fields, and the migration must fetch them from the host that keeps them: the
Zephyr host, or the Jira site (Zephyr Scale Cloud stores pasted files in Jira, which serves them
only to Basic auth). Real projects also hold references to files that are gone and to hosts the
migration cannot reach, and reuse one screenshot in several places; each of those is generated
on purpose.
"""

import struct
import uuid
import zlib

from ztoq_luigi.sandbox.zephyr.store import JIRA_PLACEHOLDER, ROOT_PLACEHOLDER

EXTERNAL_PREFIX = "https://jira.example.invalid/secure/attachment"
JIRA_ATTACHMENT_ID_BASE = 10000
KINDS = ("image", "document", "missing", "external", "repeat", "jira")
KIND_WEIGHTS = (48, 22, 6, 6, 8, 10)
IMAGE_STEMS = ("screenshot", "error-dialog", "expected_layout", "diagram", "console-log")
DOCUMENT_STEMS = ("spec", "test-data", "release-notes", "sign-off")


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_bytes(width, height, rgb):
    """A valid RGB PNG; `rgb` holds width*height*3 bytes."""
    stride = width * 3
    rows = b"".join(b"\x00" + rgb[row * stride:(row + 1) * stride] for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows))
            + _chunk(b"IEND", b""))


def pdf_bytes(title):
    """A one-page PDF skeleton: enough for a content-type check and a byte-for-byte comparison."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return (f"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            f"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            f"3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
            f"4 0 obj << >> stream\nBT ({text}) Tj ET\nendstream endobj\ntrailer << /Root 1 0 R >>\n"
            f"%%EOF\n").encode("latin-1", "replace")


class Attachments:
    """Makes the HTML snippets that embed attachments and records the bytes the host serves."""

    def __init__(self, rng, files, jira_files):
        self._rng = rng
        self._files = files
        self._jira_files = jira_files
        self._image_paths = []
        self._made = 0
        self._fields_seen = set()

    def maybe_embed(self, field_name, rate):
        """A snippet to append to a rich-text field, or "".

        The first field of each kind always gets one, so that even a tiny project embeds
        attachments in objectives, preconditions, steps and comments alike.
        """
        if field_name in self._fields_seen:
            if self._rng.random() >= rate:
                return ""
        else:
            self._fields_seen.add(field_name)
        return self.embed()

    def embed(self):
        kind = KINDS[self._made] if self._made < len(KINDS) else self._rng.choices(KINDS, KIND_WEIGHTS)[0]
        self._made += 1
        if kind == "repeat" and self._image_paths:
            return _img(ROOT_PLACEHOLDER + self._rng.choice(self._image_paths))
        if kind == "document":
            name = f"{self._rng.choice(DOCUMENT_STEMS)}-{self._made}.pdf"
            path = self._new_path(name)
            self._files[path] = ("application/pdf", pdf_bytes(name))
            return f'<a href="{ROOT_PLACEHOLDER}{path}" target="_blank">{name}</a>'
        name = f"{self._rng.choice(IMAGE_STEMS)}-{self._made}.png"
        if kind == "jira":
            path = f"/secure/attachment/{JIRA_ATTACHMENT_ID_BASE + self._made}/{name}"
            self._jira_files[path] = ("image/png", self._image())
            return _img(JIRA_PLACEHOLDER + path)
        if kind == "external":
            return _img(f"{EXTERNAL_PREFIX}/{self._made}/{name}")
        path = self._new_path(name)
        if kind != "missing":
            self._files[path] = ("image/png", self._image())
            self._image_paths.append(path)
        return _img(ROOT_PLACEHOLDER + path)

    def _new_path(self, name):
        return f"/files/{uuid.UUID(int=self._rng.getrandbits(128), version=4)}/{name}"

    def _image(self):
        """A few random pixels led by the image's serial number, so no two images are equal."""
        side = self._rng.randint(2, 6)
        rgb = self._made.to_bytes(3, "big") + self._rng.randbytes(side * side * 3 - 3)
        return png_bytes(side, side, rgb)


def _img(url):
    return f'<br><img src="{url}" alt="" width="320">'

"""Files embedded in Zephyr rich text: which references are files to migrate, and texts rewritten to qTest.

Zephyr v2 has no attachment API, so the only attachments a migration can
reach are `<img src>` and `<a href>` references inside HTML fields. Each is
resolved to one absolute URL (entities decoded, relative paths taken from
the Zephyr host), which is the identity of a file everywhere in the pipeline:
downloaded once, uploaded once per owning object, rewritten wherever it
appears. Everything here is pure, so it is tested without a server.
"""

import hashlib
import mimetypes
import posixpath
import re
from html import escape, unescape
from urllib.parse import unquote, urljoin, urlsplit

from ztoq_luigi.mapping.executions import step_result_fields

TAG = re.compile(r"""<(img|a)\b((?:"[^"]*"|'[^']*'|[^'">])*)>""", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
REFERENCE = {"img": "src", "a": "href"}
FILE_EXTENSIONS = frozenset(
    "pdf doc docx xls xlsx ppt pptx odt ods odp rtf txt csv tsv log json xml yaml yml har zip gz tgz 7z rar tar "
    "png jpg jpeg gif bmp svg webp tif tiff ico mp4 mov avi webm mp3 wav eml msg".split())
DEFAULT_NAME = "attachment"


def url_id(url):
    """A fixed-length key for a URL, which may be longer than any key column."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def find_files(text, zephyr_base_url):
    """The absolute URLs of the files `text` embeds, each once, in order of appearance."""
    found = []
    for _, url, is_file in _references(text or "", zephyr_base_url):
        if is_file and url not in found:
            found.append(url)
    return found


def rewrite(text, links, zephyr_base_url):
    """`text` with every file reference whose URL is a key of `links` pointing at its value instead.

    Only the attribute value changes: its quotes, the tag's other
    attributes and every other byte of the text stay as they were, and a
    reference without a new address keeps the original link.
    """
    if not text or not links:
        return text

    def tag(match):
        name, attributes = match.group(1), match.group(2)
        wanted = REFERENCE[name.lower()]
        for attribute in ATTRIBUTE.finditer(attributes):
            if attribute.group(1).lower() != wanted or attribute.group(2) is None:
                continue
            url = _absolute(attribute.group(2), zephyr_base_url)
            if url in links:
                raw = attribute.group(2)
                quote = raw[0] if raw[0] in "\"'" else '"'
                start, end = attribute.span(2)
                attributes = f"{attributes[:start]}{quote}{escape(links[url], quote=True)}{quote}{attributes[end:]}"
            break
        return f"<{name}{attributes}>"

    return TAG.sub(tag, text)


def case_texts(case, steps, script):
    """Every rich text of an extracted Zephyr test case that may embed files: the ones qTest receives."""
    texts = [case.get("objective"), case.get("precondition"), (script or {}).get("text")]
    for step in steps or []:
        inline = step.get("inline") or {}
        texts += [inline.get("description"), inline.get("testData"), inline.get("expectedResult")]
        texts += list((inline.get("customFields") or {}).values())
    return [text for text in texts if isinstance(text, str) and text]


def execution_texts(execution, step_results):
    """Every rich text of an extracted Zephyr execution that may embed files: its comment and actual results."""
    texts = [execution.get("comment")] + [step_result_fields(result).get("actualResult")
                                          for result in step_results or []]
    return [text for text in texts if isinstance(text, str) and text]


def log_files(log, zephyr_base_url):
    """The files embedded in a transformed test log (its note and step actual results), each once."""
    found = []
    for text in [log["note"]] + [step["actual_result"] for step in log["steps"]]:
        found += [url for url in find_files(text, zephyr_base_url) if url not in found]
    return found


def rewrite_log(log, links, zephyr_base_url):
    """A transformed test log whose note and actual results point at the qTest attachments in `links`."""
    steps = [dict(step, actual_result=rewrite(step["actual_result"], links, zephyr_base_url)) for step in log["steps"]]
    return dict(log, note=rewrite(log["note"], links, zephyr_base_url), steps=steps)


def payload_files(payload, zephyr_base_url):
    """The files embedded in a transformed test case (see mapping/testcases.py), each once."""
    found = []
    for text in _payload_texts(payload):
        found += [url for url in find_files(text, zephyr_base_url) if url not in found]
    return found


def rewrite_payload(payload, links, zephyr_base_url):
    """A transformed test case whose texts point at the qTest attachments in `links` ({old URL: new URL})."""
    def new(text):
        return rewrite(text, links, zephyr_base_url)

    steps = [dict(step, description=new(step["description"]), expected=new(step["expected"]))
             for step in payload["steps"]]
    return dict(payload, description=new(payload["description"]), precondition=new(payload["precondition"]),
                steps=steps)


def file_name(url, content_type=None):
    """The name a file gets in qTest: the last segment of its path, with an extension when the type gives one."""
    name = posixpath.basename(unquote(urlsplit(url).path))
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '\\/:*?"<>|').strip(" .") or DEFAULT_NAME
    if "." not in name and content_type:
        extension = mimetypes.guess_extension(content_type)
        if extension:
            name += extension
    return name


def _payload_texts(payload):
    yield payload["description"]
    yield payload["precondition"]
    for step in payload["steps"]:
        yield step["description"]
        yield step["expected"]


def _references(text, zephyr_base_url):
    """(tag, absolute URL, is a file to migrate) for each `<img src>` and `<a href>` of `text`."""
    for match in TAG.finditer(text):
        tag = match.group(1).lower()
        for attribute in ATTRIBUTE.finditer(match.group(2)):
            if attribute.group(1).lower() == REFERENCE[tag] and attribute.group(2) is not None:
                url = _absolute(attribute.group(2), zephyr_base_url)
                if url is not None:
                    yield tag, url, _is_file(tag, url, zephyr_base_url)
                break


def _absolute(raw, zephyr_base_url):
    """The URL an attribute value means: entities decoded, relative to the Zephyr host; None for no file."""
    value = unescape(raw.strip("\"'")).strip()
    if not value or value.startswith("#"):
        return None
    url = urljoin(_root(zephyr_base_url), value)
    return url if urlsplit(url).scheme in ("http", "https") else None


def _is_file(tag, url, zephyr_base_url):
    """An image is always a file; a link only when it points at the Zephyr host outside its API or at a file.

    Links to wiki pages, issues and other web pages stay links: they are
    references, not content, and qTest renders them as they are.
    """
    if tag == "img":
        return True
    parts, base = urlsplit(url), urlsplit(zephyr_base_url)
    if parts.netloc == base.netloc:
        api = base.path.rstrip("/")
        return not (api and (parts.path == api or parts.path.startswith(api + "/"))) and parts.path not in ("", "/")
    path = parts.path.lower()
    extension = posixpath.splitext(path)[1].lstrip(".")
    return extension in FILE_EXTENSIONS or "/attachment/" in path or "/attachments/" in path


def _root(zephyr_base_url):
    parts = urlsplit(zephyr_base_url)
    return f"{parts.scheme}://{parts.netloc}/"

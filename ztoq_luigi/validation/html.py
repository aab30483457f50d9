"""Rich text as a canonical string, so that two HTML spellings of the same text compare equal.

qTest stores the rich text it is sent, but its editor and importers may
spell it differently: `<br/>` for `<br>`, `&amp;#39;` for `'`, upper-case
tags, attributes in double instead of single quotes, runs of white space.
What a reader sees is the same, so validation compares the canonical form;
a changed word, tag or link is still a difference.
"""

import functools
import html
import re
from html.parser import HTMLParser

_SPACE = re.compile(r"\s+")


class _Canonical(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        self.parts.append("<" + tag + "".join(f' {name}="{html.escape(value or "", quote=True)}"'
                                             for name, value in sorted(attrs)) + ">")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        self.parts.append(html.escape(data, quote=False))


def normalise_html(text):
    """The canonical form of a rich text: tags lower-cased, attributes sorted and double-quoted, entities
    resolved, white space collapsed; None and "" are the empty text."""
    if text is None or text == "":
        return ""
    return _canonical(str(text))


@functools.lru_cache(maxsize=4096)
def _canonical(text):
    """Validation normalises each text twice (expected and found) and a case's texts again for every log of its
    runs: the HTML parser cost a sixth of validation's time. A text without markup or entities is only escaped."""
    if "<" not in text and "&" not in text:
        return _SPACE.sub(" ", html.escape(text, quote=False)).strip()
    parser = _Canonical()
    parser.feed(text)
    parser.close()
    return _SPACE.sub(" ", "".join(parser.parts)).strip()

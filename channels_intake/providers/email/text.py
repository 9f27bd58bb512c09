"""The citizen's own words in an email body: flowed text joined, HTML read as text, quoted
history, attributions and signatures left out. Pure text functions (adapter.py uses them).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser


def unflow(text: str, *, delsp: bool) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next one."""
    lines: list[str] = []
    pending = ""
    for line in text.split("\n"):
        if line.endswith(" ") and line != "-- ":
            pending += line[:-1] if delsp else line
        else:
            lines.append(pending + line)
            pending = ""
    if pending:
        lines.append(pending)
    return "\n".join(lines)


_ATTRIBUTION = re.compile(
    r"^(?:on|pada)\b.{0,400}\b(?:wrote|menulis)\s*:\s*$", re.IGNORECASE | re.DOTALL
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:original message|pesan asli|pesan semula)\s*-{2,}\s*$", re.IGNORECASE
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:from|dari)\s*:", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\s*\*?(?:sent|dikirim)\s*:", re.IGNORECASE)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:sent from|sent via|dikirim dari|get outlook for)\b", re.IGNORECASE
)


def strip_quoted(text: str, *, keep_forwarded: bool = False) -> str:
    """The writer's own words: without quoted history, attribution lines and signature.

    Lines quoted with ">" are dropped wherever they are (a reply written below or between
    quotes keeps its own lines). An "On ... wrote:" / "Pada ... menulis:" line followed by
    unquoted text is a client that quotes without ">": everything from it on is history.
    Outlook's "-----Original Message-----" and "From:/Sent:" blocks end the message too,
    except in a forward (`keep_forwarded`), where the forwarded mail is the complaint.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if line.rstrip("\n") in ("-- ", "--"):
            break  # the signature delimiter (RFC 3676 §4.3): the rest is the signature
        if not keep_forwarded and _ends_here(lines, index):
            break
        span = _attribution_span(lines, index)
        if span:
            following = next((s.strip() for s in lines[index + span :] if s.strip()), "")
            if following and not following.startswith(">"):
                break
            index += span
            continue
        if not stripped.startswith(">"):
            kept.append(line.rstrip())
        index += 1
    while kept and not kept[-1].strip():
        kept.pop()
    if kept and _MOBILE_FOOTER.match(kept[-1]):
        kept.pop()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _ends_here(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _ORIGINAL_MESSAGE.match(line):
        return True
    nearby = [s for s in lines[index + 1 : index + 4] if s.strip()]
    if _RULE.match(line) and nearby and _OUTLOOK_FROM.match(nearby[0]):
        return True
    return bool(_OUTLOOK_FROM.match(line) and any(_OUTLOOK_SENT.match(s) for s in nearby))


def _attribution_span(lines: list[str], index: int) -> int:
    """How many lines (1-3, a long attribution wraps) the attribution at `index` takes; 0."""
    if not re.match(r"^\s*(?:on|pada)\b", lines[index], re.IGNORECASE):
        return 0
    for span in (1, 2, 3):
        joined = " ".join(s.strip() for s in lines[index : index + span])
        if _ATTRIBUTION.match(joined):
            return span
    return 0


class _TextExtractor(HTMLParser):
    """Visible text of an HTML body: no scripts or styles, a line per block, entities decoded."""

    SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg"})
    BLOCK = frozenset(
        {
            "p", "div", "section", "article", "header", "footer", "aside", "nav", "main",
            "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "table",
            "tr", "blockquote", "pre", "address", "figure", "figcaption", "hr", "center",
        }
    )  # fmt: skip
    # Quoted history as mail clients mark it: Gmail, Yahoo, Thunderbird/Apple (cite).
    QUOTE_CLASSES = frozenset({"gmail_quote", "yahoo_quoted", "moz-cite-prefix"})
    VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr"})

    def __init__(self, *, keep_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_quotes = keep_quotes
        self.chunks: list[str] = []
        self.skipping: str | None = None
        self.skip_depth = 0
        self.pre = 0

    def _skips(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in self.SKIP:
            return True
        if self.keep_quotes:
            return False
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        if tag == "blockquote" and (values.get("type") or "").lower() == "cite":
            return True
        return bool(classes & self.QUOTE_CLASSES) or "gmail_signature" in classes

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping is not None:
            if tag == self.skipping:
                self.skip_depth += 1
            return
        if tag not in self.VOID and self._skips(tag, attrs):
            self.skipping, self.skip_depth = tag, 1
            return
        if tag == "br":
            self.chunks.append("\n")
        elif tag == "li":
            self.chunks.append("\n- ")
        elif tag in ("td", "th"):
            self.chunks.append(" ")
        elif tag in self.BLOCK:
            self.chunks.append("\n")
            if tag == "pre":
                self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if self.skipping is not None:
            if tag == self.skipping:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skipping = None
            return
        if tag in self.BLOCK:
            self.chunks.append("\n")
            if tag == "pre" and self.pre:
                self.pre -= 1

    def handle_data(self, data: str) -> None:
        if self.skipping is not None:
            return
        data = data.replace("\xa0", " ")
        self.chunks.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str, *, keep_quotes: bool = False) -> str:
    """Readable text of an HTML email; quoted history is left out unless `keep_quotes`."""
    extractor = _TextExtractor(keep_quotes=keep_quotes)
    extractor.feed(html)
    extractor.close()
    lines = [line.strip() for line in "".join(extractor.chunks).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- Attachments -----------------------------------------------------------------------------

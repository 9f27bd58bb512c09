"""Indonesian complaint text to comparable tokens: lowercase, clean, expand slang, stem.

Citizens write "jln di dpn sdn 3 bolong gede bgt udh 2 mgg gk dibenerin". Rules and the
model both see the same normalized form, so a keyword written once matches every
spelling the slang map and the stemmer fold into it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
from Sastrawi.Stemmer.Stemmer import Stemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from .slang import SLANG

_URL = re.compile(r"(https?://|www\.)\S+")
_MENTION = re.compile(r"[@#]\w+")
# Reduplication with a digit ("mati2", "gorong2") means the plural: keep the word once.
_REDUPLICATED = re.compile(r"\b([a-z]{2,})2\b")
# Anything that is not a letter or a digit (emoji and punctuation included) separates words.
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Three or more of the same letter is emphasis ("bangeeet", "rusakkk"): keep one.
_REPEATS = re.compile(r"([a-z])\1{2,}")


class _SetDictionary(ArrayDictionary):  # type: ignore[misc]
    """Sastrawi's root-word dictionary in a set: its own list made each lookup scan 30,000
    words (about 15 ms a token, 40 s for the starter set; now under a second)."""

    def __init__(self, words: list[str]) -> None:
        self.words = {w for w in words if w and w.strip()}

    def contains(self, word: str) -> bool:
        return word in self.words


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer:
    # Reading the dictionary file takes a moment: once per process.
    return Stemmer(_SetDictionary(StemmerFactory().get_words()))


@lru_cache(maxsize=50_000)
def stem(token: str) -> str:
    """One token's root word; numbers and very short tokens are left alone."""
    if len(token) < 4 or token.isdigit():
        return token
    return _stemmer().stem(token) or token


def _expand(token: str) -> list[str]:
    """A token after the slang map, retried with emphasis removed ("gedeee" -> "gede")."""
    if token in SLANG:
        return SLANG[token].split()
    squeezed = _REPEATS.sub(r"\1", token)
    if squeezed in SLANG:
        return SLANG[squeezed].split()
    # "bangeet" has only a doubled letter left; "banget" is what the map and stemmer know.
    doubled = re.sub(r"([a-z])\1", r"\1", squeezed)
    if doubled != squeezed and doubled in SLANG:
        return SLANG[doubled].split()
    return [squeezed]


def tokens(text: str) -> list[str]:
    """The normalized, stemmed tokens of `text`."""
    text = (text or "").lower()
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _REDUPLICATED.sub(r"\1", text)
    found: list[str] = []
    for raw in _NON_WORD.split(text):
        if not raw:
            continue
        found.extend(stem(word) for word in _expand(raw))
    return found


def normalize(text: str) -> str:
    """The text as one normalized string of tokens separated by single spaces."""
    return " ".join(tokens(text))

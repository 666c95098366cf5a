"""Reading level of a page, for content editors: patient material should aim at about grade 8.

Syllables come from pyphen's hyphenation dictionaries, which ship with the package (no download
at run time) and cover English and Spanish alike. Editors may paste anything, so every step is
one pass over the text: no pattern here backtracks over a run of the same character.
"""

import html as html_lib
import re
from dataclasses import dataclass
from functools import cache

import pyphen

# Hyphenation dictionary for each language the site may be written in.
DICTIONARIES = {"en": "en_US", "es": "es"}
MIN_WORDS = 30
# pyphen remembers every word it has hyphenated; a long-running server forgets them past this.
MAX_CACHED_WORDS = 50_000

# The end of a paragraph, list item, heading or cell ends a sentence even without a full stop.
BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|li|h[1-6]|td|th|dt|dd|blockquote|div)>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")
# A character reference too long for any code point: int() would refuse its digits.
OVERLONG_CHARREF = re.compile(r"&#(?:[xX][0-9a-fA-F]{7,}|[0-9]{8,});?")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# A run of . ! ? is matched from its first mark only and never given back (possessive), so a run
# of n marks costs n steps, not n².
SENTENCE_END = re.compile(r"(?<![.!?])[.!?]++(?=\s|\Z)|\n[^\S\n]*+\n")


@dataclass(frozen=True)
class Counts:
    words: int
    sentences: int
    syllables: int


@cache
def _dictionary(language):
    return pyphen.Pyphen(lang=DICTIONARIES[language], left=1, right=1)


def _syllables(word, dictionary):
    if len(dictionary.hd.cache) > MAX_CACHED_WORDS:
        dictionary.hd.cache.clear()
    return len(dictionary.positions(word)) + 1


def _strip_tags(html):
    # A "<" with no ">" after it starts no tag, so only the text up to the last ">" is searched:
    # otherwise each such "<" would be scanned to the end of the text.
    end = html.rfind(">") + 1
    return TAG.sub(" ", html[:end]) + html[end:]


def measure(html, language="en"):
    """Words, sentences and syllables of a page's HTML, or None for text too short to judge."""
    dictionary = _dictionary(language)
    text = _strip_tags(BLOCK_END.sub("\n\n", html))
    text = html_lib.unescape(OVERLONG_CHARREF.sub(" ", text))
    words = WORD.findall(text)
    if len(words) < MIN_WORDS:
        return None
    sentences = sum(1 for part in SENTENCE_END.split(text) if WORD.search(part))
    return Counts(
        words=len(words),
        sentences=max(sentences, 1),
        syllables=sum(_syllables(word, dictionary) for word in words),
    )


def grade_level(html):
    """US school grade needed to read an English text (Flesch–Kincaid), or None if too short."""
    counts = measure(html, "en")
    if counts is None:
        return None
    grade = 0.39 * counts.words / counts.sentences + 11.8 * counts.syllables / counts.words - 15.59
    return round(max(grade, 0), 1)


def fernandez_huerta(html):
    """Reading ease of a Spanish text, 0 (very hard) to 100 (very easy), or None if too short.

    Fernández Huerta's adaptation of Flesch's reading ease; 60 to 70 is plain everyday Spanish.
    """
    counts = measure(html, "es")
    if counts is None:
        return None
    ease = 206.84 - 60 * counts.syllables / counts.words - 1.02 * counts.words / counts.sentences
    return round(min(max(ease, 0), 100), 1)

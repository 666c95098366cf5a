"""Flesch–Kincaid grade level of a text: patient material should aim at about grade 8."""

import html as html_lib
import re

# The end of a paragraph, list item, heading or cell ends a sentence even without a full stop.
BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|li|h[1-6]|td|th|dt|dd|blockquote|div)>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")
WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)|\n\s*\n")
VOWEL_GROUP = re.compile(r"[aeiouy]+")


def syllables(word):
    word = word.lower()
    count = len(VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)


def grade_level(html):
    """US school grade needed to read the text, or None for text too short to judge."""
    text = html_lib.unescape(TAG.sub(" ", BLOCK_END.sub("\n\n", html)))
    words = WORD.findall(text)
    if len(words) < 30:
        return None
    sentences = max(len([s for s in SENTENCE_END.split(text) if WORD.search(s)]), 1)
    total_syllables = sum(syllables(word) for word in words)
    grade = 0.39 * len(words) / sentences + 11.8 * total_syllables / len(words) - 15.59
    return round(max(grade, 0), 1)

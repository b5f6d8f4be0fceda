"""Chat text seen the way a raid script cannot disguise it: one skeleton, shingles and MinHash.

`skeleton` folds what raiders use to slip past word filters and duplicate checks: case, width
and styled letters (NFKC: fullwidth, 𝓫𝓸𝓵𝓭), accents and stacked combining marks ("zalgo"),
zero-width and direction characters, Latin look-alikes from Cyrillic and Greek (a small table
below: the letters that pass for Latin in Twitch's font), and the common digit-for-letter
swaps. `words` also joins letters spaced apart ("h a t e" -> "hate").

Near duplicates: a message's character 3-grams (of the skeleton without spaces, so "spam" and
"s p a m" agree) go through one-permutation MinHash (one hash per 3-gram, `SIGNATURE_SIZE`
bins, the smallest value per bin); two messages agree on a bin with probability close to the
Jaccard similarity of their 3-gram sets. MinHash is
chosen over edit distance because a signature is computed once per message and compared in
O(signature) against any number of earlier ones through band keys (locality-sensitive
hashing), which keeps the per-message cost flat however busy the chat is.
"""

from __future__ import annotations

import re
import unicodedata

# Letters from other scripts that render as Latin ones. A deliberately small table: the
# letters seen in raid scripts and spam, not Unicode's whole confusables list (which maps
# thousands of symbols, most of which Twitch's chat font does not make look Latin).
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ɡ": "g", "һ": "h", "ԛ": "q", "ԝ": "w", "ү": "y", "ӏ": "l", "ь": "b", "п": "n", "г": "r",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "μ": "u",
    # Latin extensions that pass for plain letters
    "ı": "i", "ȷ": "j", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ß": "ss", "æ": "ae",
    "œ": "oe", "ɑ": "a", "ɩ": "i", "ʀ": "r", "ʏ": "y", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d",
    "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n",
    "ᴏ": "o", "ᴘ": "p", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z",
}  # fmt: skip
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# Characters that take no room on screen: zero-width spaces and joiners, direction marks,
# word joiners, the byte-order mark, soft hyphens, Mongolian vowel separator, tag characters.
_INVISIBLE = [
    *(0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0),
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2070),
    *range(0xFE00, 0xFE10),  # variation selectors
    *range(0xE0000, 0xE0080),
]
_TABLE = str.maketrans(
    {**{chr(c): None for c in _INVISIBLE}, **_CONFUSABLES, **_LEET}  # type: ignore[dict-item]
)
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Combining marks (accents, "zalgo" stacks), removed after NFKD splits them off their letters.
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_RUNS = re.compile(r"(.)\1{2,}")  # three or more of one character
_SPACED = re.compile(r"\b(?:[a-z] ){2,}[a-z]\b")  # "h a t e"

SHINGLE = 3
MAX_SIGNED = 160  # characters of a skeleton that count: bounds the cost of a long message
SIGNATURE_SIZE = 16  # bins of one-permutation MinHash
BANDS = 8  # 8 bands of 2 bins: candidates from Jaccard ~0.3 up, confirmed by the whole signature
_EMPTY = -1
_MULT = 0x9E3779B1  # odd: multiplying by it permutes 32-bit integers

# ASCII fast path: one bytes.translate folds case, digit swaps and punctuation at C speed.
_ASCII = (
    bytes(
        ord(_LEET.get(chr(c), chr(c)).lower()) if chr(c).isalnum() or chr(c) in _LEET else 32
        for c in range(128)
    )
    + b" " * 128
)

Signature = tuple[int, ...]


def skeleton(text: str) -> str:
    """Return ``text`` folded for comparison: lower case, Latin letters, words split by spaces."""
    if text.isascii():
        folded = text.encode().translate(_ASCII).decode()
    else:
        text = unicodedata.normalize("NFKC", text)
        if not text.isascii():
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        folded = _NON_WORD.sub(" ", text.lower().translate(_TABLE))
    if _RUNS.search(folded):
        folded = _RUNS.sub(r"\1\1", folded)
    return " ".join(folded.split())


def words(text: str) -> tuple[str, ...]:
    """Return the skeleton's words, letters spaced one by one joined back into a word."""
    folded = skeleton(text)
    folded = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), folded)
    return tuple(folded.split())


def key(text: str) -> str:
    """Return the skeleton with repeated words dropped: "Pog POG pog" and "pog" share a key."""
    return key_of(skeleton(text))


def key_of(folded: str) -> str:
    """Return `key` from a skeleton already made."""
    return " ".join(dict.fromkeys(folded.split()))


def signature(folded: str) -> Signature:
    """Return the one-permutation MinHash signature of a skeleton (empty text: ``()``).

    Each character 3-gram (spaces removed) is one 24-bit integer (the skeleton is ASCII),
    scrambled by an odd multiplier; its top bits choose one of `SIGNATURE_SIZE` bins and the
    rest is its value; each bin keeps its smallest value (`_EMPTY` when no 3-gram fell in it).
    """
    b = folded.replace(" ", "")[:MAX_SIGNED].encode()
    if not b:
        return ()
    mins = [1 << 28] * SIGNATURE_SIZE
    if len(b) <= SHINGLE:
        grams = {int.from_bytes(b, "big")}
    else:
        grams = {(x << 16) | (y << 8) | z for x, y, z in zip(b, b[1:], b[2:], strict=False)}
    for g in grams:
        h = (g * _MULT) & 0xFFFFFFFF
        bin_, value = h >> 28, h & 0x0FFFFFFF
        if value < mins[bin_]:  # noqa: PLR1730 (min() costs a call per 3-gram)
            mins[bin_] = value
    return tuple(_EMPTY if v == 1 << 28 else v for v in mins)


def band_keys(sig: Signature) -> tuple[tuple[int, int, int], ...]:
    """Return the locality-sensitive band keys: similar signatures share at least one."""
    return tuple(
        (band, sig[2 * band], sig[2 * band + 1])
        for band in range(BANDS)
        if sig and (sig[2 * band] != _EMPTY or sig[2 * band + 1] != _EMPTY)
    )


def similarity(a: Signature, b: Signature) -> float:
    """Return the estimated Jaccard similarity: equal bins over bins filled in either."""
    if not a or not b:
        return 0.0
    same = filled = 0
    for x, y in zip(a, b, strict=True):
        if x != _EMPTY or y != _EMPTY:
            filled += 1
            same += x == y
    return same / filled if filled else 0.0

"""Japanese free-text search of the tool database (ツールデータベース).

The same folding is applied to the stored ``Solution.search_text`` and to the query, so a plain
``icontains`` works on SQLite and PostgreSQL alike:

- Unicode NFKC: half-width katakana ``ｸﾗｳﾄﾞ`` → ``クラウド``, full-width ``ＩｏＴ`` → ``IoT``, ``　`` → `` ``;
- lower case: ``IoT`` → ``iot``;
- katakana → hiragana: ``クラウド`` → ``くらうど`` (the prolonged sound mark ``ー`` is kept as is);
- whitespace removed (inside a stored text; a query is split on whitespace first, one term per word).
"""

from __future__ import annotations

import re
import unicodedata

# Katakana ァ (U+30A1) .. ヶ (U+30F6) map to hiragana ぁ (U+3041) .. ゖ (U+3096): a fixed offset of 0x60.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold ``text`` for matching: NFKC, lower case, katakana → hiragana, no whitespace.

    ``normalize("ｸﾗｳﾄﾞ 販売管理") == "くらうど販売管理"``; ``normalize("ＩｏＴ") == "iot"``.
    """
    folded = unicodedata.normalize("NFKC", text or "").lower().translate(_KATAKANA_TO_HIRAGANA)
    return _SPACE.sub("", folded)


def query_terms(query: str) -> list[str]:
    """The query's terms, each folded with ``normalize``; split on any whitespace (full-width 　 too).

    Empty terms are dropped and duplicates removed, order kept: ``query_terms("IoT　ｾﾝｻｰ iot")`` →
    ``["iot", "せんさー"]``.
    """
    terms: list[str] = []
    for word in unicodedata.normalize("NFKC", query or "").split():
        term = normalize(word)
        if term and term not in terms:
            terms.append(term)
    return terms

"""Finding a person by a name typed the way it was heard: the search key kept beside each person's names, and how a
typed term is compared with it (PostgreSQL's trigram word similarity, the same arithmetic in Python for SQLite).

The key is the full name and the nickname in lower case with the old Indonesian spellings (before the 1972 EYD
reform, still common in older people's documents and in how officers write what they hear) turned into today's:
"Soekarti Djojo" and "Sukarti Joyo" have one key. Anything else a typist gets wrong (a letter missing, doubled or
swapped) is left to the trigrams, which forgive it."""

from django.db.models import BooleanField, CharField, F, FloatField, Func, Value
from django.db.models.functions import Concat, Lower, Replace

# Old spelling → today's, applied in this order (so "dj" is read before a lone "j" could be).
OLD_SPELLINGS = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("j", "y"))
# pg_trgm's default pg_trgm.word_similarity_threshold: at it, "Sity" finds "Siti Aminah" (0.6) and "Aminh" finds
# "Aminah" (0.67), while "Sari" does not find "Siti" (0.2). The SQLite fallback uses the same number.
WORD_SIMILARITY_THRESHOLD = 0.6


def name_key(text: str) -> str:
    """The search key of a name or of a typed term (what `Person.name_key` holds for the person's names)."""
    key = text.lower()
    for old, new in OLD_SPELLINGS:
        key = key.replace(old, new)
    return key


def name_key_expression():
    """`name_key` of "full name, space, nickname" as a database expression, for the person's generated column."""
    key = Lower(Concat(F("full_name"), Value(" "), F("known_as"), output_field=CharField()))
    for old, new in OLD_SPELLINGS:
        key = Replace(key, Value(old), Value(new))
    return key


class LooksLike(Func):
    """True where `term` resembles a word or a run of words of `key` (PostgreSQL: `term <% key`, which the
    trigram index answers; SQLite: the same arithmetic by `word_similarity` in Python, registered in apps.py)."""

    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template=f"word_similarity(%(expressions)s) >= {WORD_SIMILARITY_THRESHOLD}",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" <%% ", **extra_context)


class Likeness(Func):
    """How much `term` resembles the best-matching run of words of `key`, from 0 to 1 (for ordering matches)."""

    function = "word_similarity"
    output_field = FloatField()
    arity = 2


# pg_trgm's word_similarity, for SQLite (the demo and a laptop's tests): the same trigrams (each word lower-cased,
# padded with two spaces before and one after, anything not a letter or digit a word break) and the same measure
# (the best contiguous run of the key's trigrams, scored as shared / (term's + run's - shared)).


def _words(text: str) -> list[str]:
    word, words = [], []
    for char in text.lower():
        if char.isalnum():
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return words


def _trigrams(word: str) -> list[str]:
    padded = f"  {word} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def word_similarity(term: str | None, key: str | None) -> float:
    """pg_trgm's `word_similarity(term, key)`."""
    wanted = {t for word in _words(term or "") for t in _trigrams(word)}
    if not wanted:
        return 0.0
    ordered = [t for word in _words(key or "") for t in _trigrams(word)]
    best = 0.0
    for start in range(len(ordered)):
        if ordered[start] not in wanted:
            continue  # a best run starts and ends on a shared trigram
        run, shared = set(), set()
        for trigram in ordered[start:]:
            run.add(trigram)
            if trigram in wanted:
                shared.add(trigram)
                best = max(best, len(shared) / (len(wanted) + len(run) - len(shared)))
    return best


def resembling(rows, term: str, key: str = "name_key"):
    """`rows` (persons, or cases with key="person__name_key") whose names resemble `term`, best match first, then
    newest. `rows` is already scoped by the access rule: this only narrows and orders it.

    Each word typed (initials aside) must resemble a word of the names: "Sity Aminh" finds Siti Aminah although the
    two words together are less alike (0.54) than each alone (0.6, 0.67), and "Siti" alone finds every Siti."""
    wanted = name_key(term)
    words = [word for word in _words(wanted) if len(word) > 1]
    if not words:
        return rows.none()
    for word in words:
        rows = rows.filter(LooksLike(Value(word), F(key)))
    return rows.alias(likeness=Likeness(Value(wanted), F(key))).order_by("-likeness", "-created_at", "-pk")


def is_name(term: str) -> bool:
    """A term with a letter in it is a name (case numbers and NIKs are digits and punctuation)."""
    return any(char.isalpha() for char in term)

"""Ranking variants measured on TIME against the shipped scoring, in one run (issue 11).

Reproduce (~2-4 minutes; needs the `bench` extra: pip install -e '.[bench]'):

    python bench/relevance_variants.py --corpora ../shared/corpora [--json] [--only rm3,stop]

The TIME index is built exactly as bench_relevance.py builds it (same articles,
same questions, same metrics from ranx). Every variant re-ranks the same matched
set (the articles holding at least one of the question's words), so totals never
change; "any" orders by score alone, "words" puts the articles holding every word
(or every non-stop word, where said) first. The rows are those of bench/README.md's
"What was tried" table for this change. Nothing here is fitted to TIME's questions:
each parameter is a published default (Anserini's RM3, Zhai and Lafferty's
Dirichlet mu, Terrier's DFR models, Cormack et al.'s RRF k=60), Snowball's English
stop list is the one Whoosh ships (`whoosh.lang.stopwords`, from the Snowball
project), and a few neighbours of each default are listed to show the trend.

The shipped scoring's term scores come from `QueryEngine.term` itself; the other
models read raw term frequencies and field lengths from the same index, with an
inferred headline counted as body text (as the shipped scoring counts it).
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_relevance beside us

import bench_relevance as br  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

TEXT_FIELDS = ("headline", "body")
RRF_K = 60  # Cormack, Clarke and Buettcher (SIGIR 2009)


@dataclass
class Question:
    """One question's parts as the engine evaluates them in the default mode."""

    units: list[Any]                 # word units (questions.word_units)
    unit_terms: list[list[str]]      # each unit's word terms ([] for a phrase)
    unit_docs: list[frozenset[int]]
    base: dict[int, float]           # the shipped score of every matched article
    stop_unit: list[bool] = field(default_factory=list)

    @property
    def docs(self) -> set[int]:
        return set(self.base)

    def every(self, skip_stop: bool = False) -> set[int]:
        groups = [d for d, s in zip(self.unit_docs, self.stop_unit) if not (skip_stop and s)]
        return self.docs.intersection(*groups) if groups else self.docs

    def term_counts(self, skip_stop: bool = False) -> dict[str, int]:
        """Query term -> times asked (a unit's first term: its spelling as typed)."""
        out: dict[str, int] = {}
        for ts, s in zip(self.unit_terms, self.stop_unit):
            if ts and not (skip_stop and s):
                out[ts[0]] = out.get(ts[0], 0) + 1
        return out

    def asked(self) -> int:
        """Units asked for (words counted as often as typed, and phrases)."""
        return sum(self.term_counts().values()) + sum(1 for ts in self.unit_terms if not ts) or 1


class Lab:
    """Term statistics of one TIME index, read once, for every variant."""

    def __init__(self, index_dir: Path):
        from whoosh.lang.stopwords import stoplists

        from search.api import NewsIndex
        from search.engine.analysis import text_terms_for

        self.ix = NewsIndex.open(index_dir)
        state: dict[str, Any] = {}

        def grab(searcher: Any, cache: Any) -> None:
            state.update(searcher=searcher, engine=cache.engine)
        self.ix._guarded(grab)  # noqa: SLF001 - the API's searcher and engine, as search() uses them
        self.searcher, self.engine = state["searcher"], state["engine"]
        self.reader = self.searcher.reader()
        self.n = self.engine.live_count
        self.keys: dict[int, str] = {}
        self.texts: dict[int, tuple[str, str]] = {}
        for d in range(self.reader.doc_count_all()):
            stored = self.searcher.stored_fields(d)
            self.keys[d] = br._key_of_url(stored.get("url"))  # noqa: SLF001
            self.texts[d] = (stored.get("headline") or "", stored.get("body") or "")
        self.text_terms = text_terms_for(self.reader.schema["body"].analyzer)
        self.stop_terms = self._stop_terms(stoplists["en"])
        self.lengths = [h + b for h, b in zip(self.engine.field_lengths("headline"),
                                              self.engine.field_lengths("body"))]
        self.total_length = sum(self.lengths[d] for d in self.engine.live)
        self.avg_length = self.total_length / self.n
        self._tf: dict[str, dict[int, float]] = {}
        self._df: dict[str, int] = {}
        self._vectors: dict[int, dict[str, int]] = {}

    def _stop_terms(self, words: frozenset[str]) -> set[str]:
        """Snowball's stop words as the index's analysis turns them into terms."""
        out: set[str] = set()
        for w in words:
            out.update(t.decode() for t in self.text_terms.positions(w))
        return out

    # -- statistics
    def tf(self, term: str) -> dict[int, float]:
        """Article -> frequency of `term` in headline and body (an inferred headline as body)."""
        if term not in self._tf:
            out: dict[int, float] = {}
            btext = term.encode()
            for f in TEXT_FIELDS:
                if (f, btext) not in self.reader:
                    continue
                boost = getattr(self.reader.schema[f].format, "field_boost", 1.0) or 1.0
                m = self.reader.postings(f, btext)
                while m.is_active():
                    d = m.id()
                    if d not in self.engine.deleted:
                        out[d] = out.get(d, 0.0) + m.weight() / boost
                    m.next()
            self._tf[term] = out
        return self._tf[term]

    def df(self, term: str) -> int:
        if term not in self._df:
            self._df[term] = len(self.engine.term("headline", term)[0] | self.engine.term("body", term)[0])
        return self._df[term]

    def bm25(self, term: str) -> dict[int, float]:
        """The shipped score of one word (headline + body parts)."""
        out = dict(self.engine.term("body", term)[1])
        for d, v in self.engine.term("headline", term)[1].items():
            out[d] = out.get(d, 0.0) + v
        return out

    def vector(self, d: int) -> dict[str, int]:
        """An article's term counts, analysed from its stored text (the index keeps no
        term vectors): the body, plus the headline when it is the article's own."""
        if d not in self._vectors:
            headline, body = self.texts[d]
            texts = [body] if d in self.engine.inferred else [body, headline]
            out: dict[str, int] = {}
            for text in texts:
                for term, positions in self.text_terms.positions(text).items():
                    t = term.decode()
                    out[t] = out.get(t, 0) + len(positions)
            self._vectors[d] = out
        return self._vectors[d]

    # -- questions
    def question(self, text: str) -> Question:
        from search.query.questions import word_units

        units = word_units(self.ix.parse(text, match="all").query)
        parts = [self.engine.evaluate(u) for u in units]
        base: dict[int, float] = {}
        for p in parts:
            for d, v in p.scores.items():
                base[d] = base.get(d, 0.0) + v
        terms = [sorted(_word_terms(u)) for u in units]
        stop = [bool(ts) and all(t in self.stop_terms for t in ts) for ts in terms]
        return Question(units, terms, [frozenset(p.docs) for p in parts], base, stop)

    def rank(self, scores: dict[int, float], docs: set[int], first: set[int] | None = None) -> list[int]:
        return sorted(docs, key=lambda d: (first is not None and d not in first, -scores[d], self.keys[d]))


def _word_terms(q: Any) -> set[str]:
    """The plain-word terms of a unit (none for a phrase)."""
    from whoosh import query as wq

    if type(q) is wq.Term:
        return {q.text}
    out: set[str] = set()
    for c in getattr(q, "subqueries", ()):
        out |= _word_terms(c)
    return out


# -- models

def weighted_bm25(lab: Lab, weights: dict[str, float], docs: set[int]) -> dict[int, float]:
    out = dict.fromkeys(docs, 0.0)
    for t, w in weights.items():
        for d, v in lab.bm25(t).items():
            if d in out:
                out[d] += w * v
    return out


def rm3_weights(lab: Lab, q: Question, ranked: list[int], scores: dict[int, float], fb_docs: int = 10,
                fb_terms: int = 10, original: float = 0.5, prune_docs: bool = True,
                doc_weight: str = "score") -> dict[str, float]:
    """RM3 as Anserini's Rm3Reranker builds it: each feedback article's terms held by at
    most 10% of articles (2-20 characters), its fb_terms most frequent kept and L1-
    normalised, weighted by the article's score; the fb_terms heaviest terms of the sum,
    L1-normalised, interpolated with the question's own terms (L1) at `original`."""
    model: dict[str, float] = {}
    for d in ranked[:fb_docs]:
        vec = {t: n for t, n in lab.vector(d).items()
               if 2 <= len(t) <= 20 and lab.df(t) / lab.n <= 0.1}
        if prune_docs:
            vec = dict(sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:fb_terms])
        norm = sum(vec.values())
        if not norm:
            continue
        w = scores[d] if doc_weight == "score" else 1.0
        for t, n in vec.items():
            model[t] = model.get(t, 0.0) + n / norm * w
    top = sorted(model.items(), key=lambda kv: (-kv[1], kv[0]))[:fb_terms]
    z = sum(v for _, v in top) or 1.0
    counts = q.term_counts()
    asked = q.asked()
    final = {t: original * n / asked for t, n in counts.items()}
    for t, v in top:
        final[t] = final.get(t, 0.0) + (1 - original) * v / z
    return final


def bo1_weights(lab: Lab, q: Question, ranked: list[int], fb_docs: int = 3, fb_terms: int = 10,
                beta: float = 0.4, min_docs: int = 2) -> dict[str, float]:
    """Terrier's query expansion with Bo1 (Amati): terms of the fb_docs first articles
    held by at least `min_docs` of them, w = tfx log2((1+Pn)/Pn) + log2(1+Pn) with
    Pn = collection frequency / N; the fb_terms heaviest added as beta w / w_max to the
    question's own qtf / qtf_max (Terrier's defaults: 3 documents, 10 terms, 0.4, 2)."""
    tfx: dict[str, int] = {}
    held: dict[str, int] = {}
    for d in ranked[:fb_docs]:
        for t, n in lab.vector(d).items():
            tfx[t] = tfx.get(t, 0) + n
            held[t] = held.get(t, 0) + 1
    weights = {}
    for t, x in tfx.items():
        cf = sum(lab.tf(t).values())
        if held[t] < min_docs or len(t) < 2 or not cf:
            continue
        pn = cf / lab.n
        weights[t] = x * math.log2((1 + pn) / pn) + math.log2(1 + pn)
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:fb_terms]
    counts = q.term_counts()
    most = max(counts.values(), default=1)
    final = {t: n / most for t, n in counts.items()}
    for t, v in top:
        final[t] = final.get(t, 0.0) + beta * v / top[0][1]
    return final


def dirichlet(lab: Lab, counts: dict[str, int], docs: set[int], mu: float = 2000.0) -> dict[int, float]:
    """Query likelihood with Dirichlet smoothing (Zhai and Lafferty 2001), every query term."""
    out = dict.fromkeys(docs, 0.0)
    for t, n in counts.items():
        tf = lab.tf(t)
        pc = sum(tf.values()) / lab.total_length
        if pc <= 0:
            continue
        for d in docs:
            out[d] += n * math.log((tf.get(d, 0.0) + mu * pc) / (lab.lengths[d] + mu))
    return out


def dfr(lab: Lab, counts: dict[str, int], docs: set[int], model: str) -> dict[int, float]:
    """Terrier's DPH (parameter-free), PL2 and InL2 (c = 1)."""
    out = dict.fromkeys(docs, 0.0)
    log2 = math.log2
    for t, n in counts.items():
        tf = lab.tf(t)
        cf, df = sum(tf.values()), len(tf)
        for d, x in tf.items():
            if d not in out:
                continue
            length = lab.lengths[d]
            if model == "DPH":
                f = x / length
                if f >= 1:
                    continue
                s = (1 - f) ** 2 / (x + 1) * (x * log2(x * lab.avg_length / length * lab.n / cf)
                                              + 0.5 * log2(2 * math.pi * x * (1 - f)))
            else:
                tfn = x * log2(1 + lab.avg_length / length)
                if model == "PL2":
                    lam = cf / lab.n
                    s = (tfn * log2(tfn / lam) + (lam - tfn) * log2(math.e)
                         + 0.5 * log2(2 * math.pi * tfn)) / (tfn + 1)
                else:  # InL2
                    s = tfn * log2((lab.n + 1) / (df + 0.5)) / (tfn + 1)
            out[d] += n * s
    return out


def bm25_variant(lab: Lab, counts: dict[str, int], docs: set[int], *, k1: float = 1.2, b: float = 0.75,
                 bm25l_delta: float = 0.0, k3: float | None = None) -> dict[int, float]:
    """The shipped per-field BM25 with a shared IDF, written out, with BM25L's shift
    (Lv and Zhai 2011) or Robertson's query-term saturation k3 (a repeated word)."""
    out = dict.fromkeys(docs, 0.0)
    lengths = {f: lab.engine.field_lengths(f) for f in TEXT_FIELDS}
    avgs = {f: lab.engine.avg_length(f) for f in TEXT_FIELDS}
    for t, n in counts.items():
        df = lab.df(t)
        if not df:
            continue
        idf = math.log(1 + (lab.n - df + 0.5) / (df + 0.5))
        qw = n if k3 is None else (k3 + 1) * n / (k3 + n)
        for f in TEXT_FIELDS:
            btext = t.encode()
            if (f, btext) not in lab.reader:
                continue
            boost = getattr(lab.reader.schema[f].format, "field_boost", 1.0) or 1.0
            m = lab.reader.postings(f, btext)
            while m.is_active():
                d, x = m.id(), m.weight() / boost
                m.next()
                if d not in out:
                    continue
                norm = 1 - b + b * lengths[f][d] / avgs[f]
                if bm25l_delta:
                    c = x / norm
                    s = (k1 + 1) * (c + bm25l_delta) / (k1 + c + bm25l_delta)
                else:
                    s = x * (k1 + 1) / (x + k1 * norm)
                if f == "headline" and d not in lab.engine.inferred:
                    s *= boost
                out[d] += qw * idf * s
    return out


def rrf(orders: list[list[int]]) -> dict[int, float]:
    out: dict[int, float] = {}
    for order in orders:
        for i, d in enumerate(order):
            out[d] = out.get(d, 0.0) + 1.0 / (RRF_K + i + 1)
    return out


# -- the variants: name -> function(lab, question) -> {"any": order, "words": order}

Variant = Callable[[Lab, Question], dict[str, list[int]]]


def both(lab: Lab, q: Question, scores: dict[int, float], skip_stop: bool = False) -> dict[str, list[int]]:
    docs = q.docs
    return {"any": lab.rank(scores, docs), "words": lab.rank(scores, docs, q.every(skip_stop))}


def shipped(lab: Lab, q: Question) -> dict[str, list[int]]:
    return both(lab, q, q.base)


def rm3(fb_docs: int, fb_terms: int, original: float, **kw: Any) -> Variant:
    def run(lab: Lab, q: Question) -> dict[str, list[int]]:
        out = {}
        for mode, first in (("any", None), ("words", q.every())):
            ranked = lab.rank(q.base, q.docs, first)
            doc_scores = q.base
            if kw.get("doc_weight") == "likelihood":  # Lavrenko's P(Q|D), from Dirichlet
                lm = dirichlet(lab, q.term_counts(), q.docs)
                top = max(lm.values())
                doc_scores = {d: math.exp(v - top) for d, v in lm.items()}
            weights = rm3_weights(lab, q, ranked, doc_scores, fb_docs, fb_terms, original,
                                  prune_docs=kw.get("prune_docs", True),
                                  doc_weight="uniform" if kw.get("doc_weight") == "uniform" else "score")
            scores = weighted_bm25(lab, weights, q.docs)
            _add_phrase_units(lab, q, scores, weight=original / q.asked())
            out[mode] = lab.rank(scores, q.docs, first)
        return out
    return run


def _add_phrase_units(lab: Lab, q: Question, scores: dict[int, float], weight: float = 1.0) -> None:
    for ts, unit in zip(q.unit_terms, q.units):
        if not ts:
            for d, v in lab.engine.evaluate(unit).scores.items():
                if d in scores:
                    scores[d] += weight * v


def bo1(fb_docs: int, fb_terms: int, beta: float, min_docs: int = 2) -> Variant:
    def run(lab: Lab, q: Question) -> dict[str, list[int]]:
        out = {}
        for mode, first in (("any", None), ("words", q.every())):
            ranked = lab.rank(q.base, q.docs, first)
            scores = weighted_bm25(lab, bo1_weights(lab, q, ranked, fb_docs, fb_terms, beta, min_docs),
                                   q.docs)
            _add_phrase_units(lab, q, scores, weight=1.0 / max(q.term_counts().values(), default=1))
            out[mode] = lab.rank(scores, q.docs, first)
        return out
    return run


def stop_variant(weigh_stop: bool, group_skip_stop: bool) -> Variant:
    def run(lab: Lab, q: Question) -> dict[str, list[int]]:
        scores = dict.fromkeys(q.docs, 0.0)
        for unit, s in zip(q.units, q.stop_unit):
            if s and not weigh_stop:
                continue
            for d, v in lab.engine.evaluate(unit).scores.items():
                scores[d] += v
        return both(lab, q, scores, skip_stop=group_skip_stop)
    return run


def model_variant(model: Callable[[Lab, dict[str, int], set[int]], dict[int, float]],
                  skip_stop: bool = False, phrases: bool = False) -> Variant:
    """Words scored by `model`; phrase units (hyphenated words) add their shipped BM25
    score when `phrases` (BM25 variants), else only decide matching and grouping."""
    def run(lab: Lab, q: Question) -> dict[str, list[int]]:
        scores = model(lab, q.term_counts(skip_stop), q.docs)
        if phrases:
            _add_phrase_units(lab, q, scores)
        return both(lab, q, scores, skip_stop=skip_stop)
    return run


def fusion(*models: Callable[[Lab, Question], dict[int, float]]) -> Variant:
    def run(lab: Lab, q: Question) -> dict[str, list[int]]:
        orders = [lab.rank(m(lab, q), q.docs) for m in models]
        return both(lab, q, rrf(orders))
    return run


def hyphens_as_words(lab: Lab, q: Question) -> dict[str, list[int]]:
    """A phrase unit (an unquoted hyphenated word: "four-power") scored as its words,
    each over every matched article; matches unchanged."""
    scores = dict.fromkeys(q.docs, 0.0)
    for ts, unit in zip(q.unit_terms, q.units):
        parts = [lab.bm25(w) for w in sorted(_phrase_words(unit))] if not ts else \
            [lab.engine.evaluate(unit).scores]
        for part in parts:
            for d, v in part.items():
                if d in scores:
                    scores[d] += v
    return both(lab, q, scores)


def _phrase_words(q: Any) -> set[str]:
    from whoosh import query as wq

    if type(q) is wq.Phrase:
        return set(q.words)
    out: set[str] = set()
    for c in getattr(q, "subqueries", ()):
        out |= _phrase_words(c)
    return out


def _bm25_of(lab: Lab, q: Question) -> dict[int, float]:
    return q.base


def _scores(scorer: Callable[..., dict[int, float]], **kw: Any) -> Callable[[Lab, Question], dict[int, float]]:
    def run(lab: Lab, q: Question) -> dict[int, float]:
        return scorer(lab, q.term_counts(), q.docs, **kw)
    return run


def _rm3_scores(lab: Lab, q: Question) -> dict[int, float]:
    ranked = lab.rank(q.base, q.docs)
    scores = weighted_bm25(lab, rm3_weights(lab, q, ranked, q.base), q.docs)
    _add_phrase_units(lab, q, scores, weight=0.5 / q.asked())
    return scores


VARIANTS: dict[str, tuple[str, Variant]] = {
    "shipped": ("base", shipped),
    "RM3 10 docs, 10 terms, original 0.5 (Anserini's defaults)": ("rm3", rm3(10, 10, 0.5)),
    "RM3 10/20/0.5": ("rm3", rm3(10, 20, 0.5)),
    "RM3 5/10/0.5": ("rm3", rm3(5, 10, 0.5)),
    "RM3 20/10/0.5": ("rm3", rm3(20, 10, 0.5)),
    "RM3 3/10/0.5 (Terrier's 3 documents)": ("rm3", rm3(3, 10, 0.5)),
    "RM3 10/10/0.3": ("rm3", rm3(10, 10, 0.3)),
    "RM3 10/10/0.7": ("rm3", rm3(10, 10, 0.7)),
    "RM3 10/10/0.9": ("rm3", rm3(10, 10, 0.9)),
    "RM3 3/10/0.8": ("rm3", rm3(3, 10, 0.8)),
    "RM3 10/10/0.5, feedback vectors not pruned per article": ("rm3", rm3(10, 10, 0.5, prune_docs=False)),
    "RM3 10/10/0.5, feedback articles weighted alike": ("rm3", rm3(10, 10, 0.5, doc_weight="uniform")),
    "RM3 10/10/0.5, articles weighted by P(Q|D) (Lavrenko's RM1)": ("rm3", rm3(10, 10, 0.5, doc_weight="likelihood")),
    "RM3 10/10/0.8, articles weighted by P(Q|D)": ("rm3", rm3(10, 10, 0.8, doc_weight="likelihood")),
    "Bo1 3 docs, 10 terms, beta 0.4, terms in >= 2 docs (Terrier's defaults)": ("rm3", bo1(3, 10, 0.4)),
    "Bo1 3/10, beta 1.0": ("rm3", bo1(3, 10, 1.0)),
    "Bo1 3/10/0.4, terms in >= 1 doc": ("rm3", bo1(3, 10, 0.4, 1)),
    "Bo1 10/10/0.4": ("rm3", bo1(10, 10, 0.4)),
    "Bo1 3/20/0.4": ("rm3", bo1(3, 20, 0.4)),
    "Snowball stop words: no weight": ("stop", stop_variant(False, False)),
    "Snowball stop words: weighted, left out of 'every word'": ("stop", stop_variant(True, True)),
    "Snowball stop words: no weight, left out of 'every word'": ("stop", stop_variant(False, True)),
    "Dirichlet LM mu=2000": ("lm", model_variant(lambda lab, c, d: dirichlet(lab, c, d, 2000))),
    "Dirichlet LM mu=1000": ("lm", model_variant(lambda lab, c, d: dirichlet(lab, c, d, 1000))),
    "Dirichlet LM mu=500": ("lm", model_variant(lambda lab, c, d: dirichlet(lab, c, d, 500))),
    "Dirichlet LM mu=2000, Snowball stop words out": ("lm", model_variant(lambda lab, c, d: dirichlet(lab, c, d, 2000), skip_stop=True)),
    "DFR DPH": ("dfr", model_variant(lambda lab, c, d: dfr(lab, c, d, "DPH"))),
    "DFR PL2 (c=1)": ("dfr", model_variant(lambda lab, c, d: dfr(lab, c, d, "PL2"))),
    "DFR InL2 (c=1)": ("dfr", model_variant(lambda lab, c, d: dfr(lab, c, d, "InL2"))),
    "BM25L (delta 0.5)": ("bm25", model_variant(lambda lab, c, d: bm25_variant(lab, c, d, bm25l_delta=0.5), phrases=True)),
    "query-term saturation k3=8": ("bm25", model_variant(lambda lab, c, d: bm25_variant(lab, c, d, k3=8), phrases=True)),
    "query-term saturation k3=0 (a repeated word once)": ("bm25", model_variant(lambda lab, c, d: bm25_variant(lab, c, d, k3=0), phrases=True)),
    "RRF (k=60) of BM25 and Dirichlet LM": ("fusion", fusion(_bm25_of, _scores(dirichlet))),
    "RRF of BM25 and DPH": ("fusion", fusion(_bm25_of, _scores(dfr, model="DPH"))),
    "RRF of BM25 and InL2": ("fusion", fusion(_bm25_of, _scores(dfr, model="InL2"))),
    "RRF of BM25 and BM25+RM3": ("fusion", fusion(_bm25_of, _rm3_scores)),
    "hyphenated words scored as separate words": ("hyphen", hyphens_as_words),
}


def rm3_cost(lab: Lab, coll: br.Collection, rounds: int = 3) -> dict[str, float]:
    """Per question, ms: the shipped ranking (term postings warm) and the same plus RM3
    (10/10/0.5: feedback articles analysed afresh each time, as a search would)."""
    plain, fed = [], []
    for _ in range(rounds):
        for text in coll.queries.values():
            t0 = time.perf_counter()
            q = lab.question(text)
            lab.rank(q.base, q.docs)
            t1 = time.perf_counter()
            lab._vectors.clear()  # noqa: SLF001 - no article analysed in advance
            rm3(10, 10, 0.5)(lab, q)
            t2 = time.perf_counter()
            plain.append((t1 - t0) * 1000)
            fed.append((t1 - t0 + (t2 - t1) / 2) * 1000)  # rm3() ranks both modes: half is one
    q95 = lambda xs: statistics.quantiles(xs, n=20)[-1]  # noqa: E731
    return {"p50_ms": round(statistics.median(plain), 2), "p95_ms": round(q95(plain), 2),
            "rm3_p50_ms": round(statistics.median(fed), 2), "rm3_p95_ms": round(q95(fed), 2)}


def main() -> None:
    import json

    from ranx import Qrels, Run, evaluate

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", type=Path,
                    default=Path(os.environ.get("NEWS_SEARCH_CORPORA", "../shared/corpora")))
    ap.add_argument("--only", default="", help="comma-separated groups: rm3 (also Bo1),stop,lm,dfr,bm25,fusion,hyphen")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    archive = args.corpora / br.TIME_ARCHIVE
    if not archive.is_file():
        raise SystemExit(f"no TIME archive at {archive}: pass --corpora DIR (the shared corpora)")
    groups = set(filter(None, args.only.split(","))) | {"base"}
    coll = br.read_time(archive)
    work = Path(tempfile.mkdtemp(prefix="relevance-variants-"))
    try:
        from search.indexing import index_paths
        from search.ingest import IngestOptions

        index_dir = work / "index"
        index_paths(index_dir, [br.write_jsonl(coll, work / "articles")], ingest=IngestOptions())
        lab = Lab(index_dir)
        questions = {qid: lab.question(text) for qid, text in coll.queries.items()}
        qrels = Qrels(coll.qrels)
        rows = {}
        for name, (group, variant) in VARIANTS.items():
            if args.only and group not in groups:
                continue
            orders: dict[str, dict[str, list[int]]] = {"any": {}, "words": {}}
            for qid, q in questions.items():
                for mode, order in variant(lab, q).items():
                    orders[mode][qid] = order
            row = {}
            for mode, ranking in orders.items():
                run = Run({qid: br.as_run([lab.keys[d] for d in ranking[qid]]) or {"no-hit": 0.0}
                           for qid in coll.qrels})
                m = evaluate(qrels, run, ["map", "ndcg@10"], make_comparable=True)
                row[mode] = {"map": round(float(m["map"]), 3), "ndcg@10": round(float(m["ndcg@10"]), 3)}
            rows[name] = row
            print(f"| {name} | {row['any']['map']:.3f} / {row['any']['ndcg@10']:.3f} | "
                  f"{row['words']['map']:.3f} / {row['words']['ndcg@10']:.3f} |",
                  file=sys.stderr if args.json else sys.stdout, flush=True)
        report: dict[str, Any] = {"variants": rows}
        if not args.only or "rm3" in groups:
            report["rm3_cost_per_question"] = rm3_cost(lab, coll)
            print(f"cost per question: {report['rm3_cost_per_question']}",
                  file=sys.stderr if args.json else sys.stdout)
        lab.ix.close()
        if args.json:
            print(json.dumps(report, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

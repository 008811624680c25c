"""Reuters-21578 SGML through the public ingestion path (small hand-made files)."""
from __future__ import annotations

from datetime import datetime, timezone

from search.article import Article
from search.ingest import Skip, read_corpus
from search.ingest.formats.reuters import reuters_date

HEAD = '<!DOCTYPE lewis SYSTEM "lewis.dtd">\n'
NORMAL = """<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5544" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TOPICS><D>cocoa</D></TOPICS>
<PLACES><D>el-salvador</D><D>usa</D><D>uruguay</D></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN> 
&#5;&#5;&#5;C T
&#22;&#22;&#1;f0704&#31;reute
u f BC-BAHIA-COCOA-REVIEW   02-26 0105</UNKNOWN>
<TEXT>&#2;
<TITLE>BAHIA COCOA REVIEW</TITLE>
<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued throughout the week in
the Bahia cocoa zone, &lt;alleviating> the drought.
    The dry period means the temporao will be late this year.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
"""
BRIEF = """<REUTERS TOPICS="NO" NEWID="2">
<DATE>  3-MAR-1987 00:43:42.82</DATE>
<TOPICS></TOPICS><PLACES><D>japan</D></PLACES>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>TOKYO STOCKS CLOSE HIGHER
</TITLE>
&#3;

</TEXT>
</REUTERS>
"""
UNPROC = """<REUTERS TOPICS="NO" NEWID="3">
<DATE>27-MAR-1987 13:59:06.41&#5;&#5;&#5;F</DATE>
<AUTHOR>    By Peter Torday, Reuters</AUTHOR>
<TEXT TYPE="UNPROC">&#2;
FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26
    Two weeks ended Feb 25      daily avgs-mlns
 Net free reserves.............644 vs.....1,337
&#3;
</TEXT>
</REUTERS>
"""
CUT = """<REUTERS TOPICS="NO" NEWID="4">
<DATE>31-MAR-1987 605:12:19.12</DATE>
<TEXT>&#2;
<TITLE>CUT SHORT</TITLE>
"""


def read_all(path):
    items = list(read_corpus([path]))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Skip)]


def test_elements_of_each_kind(tmp_path):
    (tmp_path / "reut2-000.sgm").write_text(HEAD + NORMAL + BRIEF + UNPROC, encoding="ascii")
    (normal, brief, unproc), skips = read_all(tmp_path)
    assert skips == []
    assert normal.headline == "BAHIA COCOA REVIEW"
    assert normal.body == ("Showers continued throughout the week in the Bahia cocoa zone, <alleviating> "
                           "the drought.\n\nThe dry period means the temporao will be late this year.\n\nReuter")
    assert normal.published == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=timezone.utc)
    assert normal.tags == ("cocoa", "el-salvador", "usa", "uruguay")
    assert (normal.source, normal.section, normal.path) == ("reuters", None, "reut2-000.sgm#1")
    assert normal.provenance["newid"] == "1"
    assert normal.id != brief.id != unproc.id

    assert (brief.headline, brief.body, brief.tags) == ("TOKYO STOCKS CLOSE HIGHER", "", ("japan",))
    assert brief.published == datetime(1987, 3, 3, 0, 43, 42, 820000, tzinfo=timezone.utc)

    assert unproc.headline == "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26"
    assert unproc.body.startswith("Two weeks ended Feb 25 daily avgs-mlns\nNet free reserves")
    assert unproc.author == "Peter Torday"
    assert unproc.published == datetime(1987, 3, 27, 13, 59, 6, 410000, tzinfo=timezone.utc)
    assert "ignored trailing 'F'" in unproc.provenance["published"]
    assert not any(ch < " " and ch != "\n" for ch in normal.body + unproc.body)


def test_truncated_element_is_skipped_with_line_and_others_read(tmp_path):
    # Cut short in the middle of the file (before the next element) and at its end.
    (tmp_path / "reut2-001.sgm").write_text(HEAD + CUT + NORMAL + CUT, encoding="ascii")
    arts, skips = read_all(tmp_path)
    assert [a.path for a in arts] == ["reut2-001.sgm#2"]
    assert [(s.record, s.line) for s in skips] == [(1, 2), (3, 2 + CUT.count("\n") + NORMAL.count("\n"))]
    assert "next element" in skips[0].reason and "end of the file" in skips[1].reason


def test_odd_dates_keep_what_is_certain():
    assert reuters_date("31-MAR-1987 605:12:19.12") == ("31-MAR-1987", " (time missing or invalid: day only)")
    value, note = reuters_date("9-APR-1987 00:00:00.00    # date added by S Finch as guesswork ")
    assert value == "9-APR-1987 00:00:00.00" and "guesswork" in note


def test_file_without_elements_is_skipped(tmp_path):
    (tmp_path / "empty.sgm").write_text(HEAD + "\n", encoding="ascii")
    arts, [skip] = read_all(tmp_path)
    assert arts == [] and skip.reason == "no <REUTERS> element found"

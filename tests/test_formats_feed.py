"""RSS and Atom feeds through the public ingestion path."""
from __future__ import annotations

import zipfile
from datetime import datetime, timezone

from search.article import Article
from search.ingest import Skip, read_corpus

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Harbour Gazette: Business</title>
  <link>https://gazette.example/business</link>
  <language>en-gb</language>
  <item>
    <title>Port strike called off</title>
    <link>https://gazette.example/business/port-strike</link>
    <description>Teaser: workers accept the deal.</description>
    <content:encoded><![CDATA[<p>Dock workers accepted a <b>7%</b> pay offer.</p><p>The strike is off.</p>]]></content:encoded>
    <pubDate>Tue, 14 Mar 2023 09:30:00 +0100</pubDate>
    <author>m.ellison@gazette.example (Margaret Ellison)</author>
    <category>Ports</category><category>Labour</category>
  </item>
  <item>
    <title>Wire: rates on hold</title>
    <description>&lt;p&gt;The central bank kept rates unchanged.&lt;/p&gt;</description>
    <source url="https://wire.example/rss">Example Wire</source>
  </item>
</channel>
</rss>
"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">
  <title>Nachrichten</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2024-01-02T10:00:00Z</updated>
  <entry>
    <title type="html">Z&amp;uuml;rich: Neue Tramlinie er&amp;ouml;ffnet</title>
    <link href="https://nachrichten.example/tram"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2024-01-02T09:00:00Z</updated>
    <author><name>Hanna Keller</name></author>
    <content type="html">&lt;p&gt;Die neue Linie f&amp;auml;hrt ab Montag.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def read_all(path):
    items = list(read_corpus([path]))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Skip)]


def test_rss_items_with_content_preferred_and_html_stripped(tmp_path):
    (tmp_path / "business.rss").write_text(RSS, encoding="utf-8")
    (first, second), skips = read_all(tmp_path)
    assert skips == []
    assert first.headline == "Port strike called off"
    assert first.body == "Dock workers accepted a 7% pay offer.\n\nThe strike is off."
    assert first.published == datetime(2023, 3, 14, 8, 30, tzinfo=timezone.utc)
    assert first.url == "https://gazette.example/business/port-strike"
    assert first.source == "Harbour Gazette: Business" and first.provenance["source"] == "feed title"
    assert first.tags == ("Ports", "Labour") and first.language == "en"
    assert "Margaret Ellison" in first.author
    assert first.path == "business.rss#1"
    assert second.body == "The central bank kept rates unchanged."
    assert second.source == "Example Wire" and second.published is None


def test_atom_entry_inside_a_zip(tmp_path):
    with zipfile.ZipFile(tmp_path / "feeds.zip", "w") as zf:
        zf.writestr("de/atom.xml", ATOM)
    [a], skips = read_all(tmp_path)
    assert skips == []
    assert a.headline == "Zürich: Neue Tramlinie eröffnet"
    assert a.body == "Die neue Linie fährt ab Montag."
    assert (a.author, a.source, a.language) == ("Hanna Keller", "Nachrichten", "de")
    assert a.published == datetime(2024, 1, 2, 9, 0, tzinfo=timezone.utc)
    assert a.path == "feeds.zip!de/atom.xml#1"


def test_not_a_feed_and_empty_feed_are_skipped_with_reasons(tmp_path):
    (tmp_path / "broken.xml").write_text("<rss><channel><title>x</title><item><title>unclosed", encoding="utf-8")
    (tmp_path / "empty.rss").write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>'
                                       "</channel></rss>", encoding="utf-8")
    (tmp_path / "notes.xml").write_text("this is not XML at all <<<", encoding="utf-8")
    arts, skips = read_all(tmp_path)
    reasons = {s.path: s.reason for s in skips}
    assert reasons["empty.rss"] == "feed has no items"
    assert reasons["notes.xml"].startswith("not a readable feed:")
    # feedparser recovers an empty item from the broken feed: skipped, saying why.
    assert arts == []
    assert reasons["broken.xml"].startswith("feed item has no title and no text (feed is not well-formed")

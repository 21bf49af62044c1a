"""HTML metadata extraction on its own: fallbacks, encodings and the text limit."""

from __future__ import annotations

from bot.links.page import TEXT_CHARS, parse_html


def test_title_falls_back_from_og_to_title_tag_to_first_heading() -> None:
    with_og = b"<title>Tag | Site</title><meta property='og:title' content='OG'><h1>H</h1>"
    with_tag = b"<title> Tag  |  Site </title><h1>H</h1>"
    heading_only = b"<body><h1>Only   heading</h1></body>"

    assert [parse_html(html).title for html in (with_og, with_tag, heading_only)] == [
        "OG",
        "Tag | Site",
        "Only heading",
    ]


def test_description_falls_back_to_og_and_twitter() -> None:
    og = b"<meta property='og:description' content='from og'>"
    twitter = b"<meta name='twitter:description' content='from twitter'>"

    assert [parse_html(html).description for html in (og, twitter)] == ["from og", "from twitter"]


def test_meta_charset_is_detected_without_a_header() -> None:
    html = "<meta charset='windows-1251'><title>Привет</title>".encode("cp1251")

    assert parse_html(html).title == "Привет"


def test_header_charset_wins_and_a_bogus_one_is_ignored() -> None:
    latin = "<title>Café</title>".encode("latin-1")

    assert parse_html(latin, "iso-8859-1").title == "Café"
    assert parse_html("<title>Café</title>".encode(), "no-such-charset").title == "Café"


def test_text_is_cut_at_the_limit_on_a_word_boundary() -> None:
    html = ("<p>" + "word " * 1000 + "</p>").encode()

    text = parse_html(html).text

    assert len(text) <= TEXT_CHARS + 1
    assert text.endswith("word…")


def test_headings_are_deduplicated_and_trimmed() -> None:
    html = b"<h1>Same</h1><h2>same</h2><h2>  Other\n heading </h2><h3>Not h3</h3>"

    assert parse_html(html).headings == ["Same", "Other heading"]


def test_hidden_and_form_content_is_not_text() -> None:
    html = (
        b"<p>Visible.</p><div hidden>secret</div><form><label>Email</label></form><p aria-hidden=true>x</p>"
    )

    assert parse_html(html).text == "Visible."

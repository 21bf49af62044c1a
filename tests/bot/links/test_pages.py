"""Reading web pages from the loopback server: metadata, redirects, limits and failures."""

from __future__ import annotations

import time

from bot.links import LinkError, LinkInfo
from bot.links.fetch import USER_AGENT
from bot.settings import Settings
from tests.bot.links.conftest import MakeReader
from tests.fakes.web import FakeWeb


async def test_article_gives_title_description_site_keywords_headings_and_text(
    web: FakeWeb, make_reader: MakeReader
) -> None:
    info = await make_reader().read(web.url("/article"))

    assert isinstance(info, LinkInfo), info
    assert info.kind == "page"
    assert info.final_url == web.url("/article")
    assert info.title == "Parliament passes the budget"
    assert info.description.startswith("After a long night, parliament voted on the budget")
    assert info.site_name == "The Daily Example"
    assert info.keywords == ["politics", "budget", "parliament", "elections"]
    assert info.headings == [
        "Parliament passes the budget",
        "What changes for schools",
        "The opposition walks out",
    ]
    assert info.text.startswith(
        "Parliament passes the budget The vote on the national budget ended at 2 a.m."
    )
    assert "Schools get more money for teachers." in info.text
    for chrome in ("script", "Navigation", "Footer", "Aside", "color: red", "banner"):
        assert chrome not in info.text


async def test_summary_for_tagging_leads_with_title_and_description(
    web: FakeWeb, make_reader: MakeReader
) -> None:
    info = await make_reader().read(web.url("/article"))

    assert isinstance(info, LinkInfo)
    lines = info.summary_for_tagging().splitlines()
    assert lines[0] == "Parliament passes the budget"
    assert lines[1].startswith("After a long night")
    assert "Keywords: politics, budget, parliament, elections" in lines
    assert any(line.startswith("Headings: Parliament passes the budget | What changes") for line in lines)


async def test_request_carries_our_user_agent(web: FakeWeb, make_reader: MakeReader) -> None:
    await make_reader().read(web.url("/article"))

    assert [r.user_agent for r in web.requests] == [USER_AGENT]
    assert USER_AGENT == "memorybot/0.1 (+link preview for tagging)"


async def test_page_without_metadata_still_gives_text_and_host(web: FakeWeb, make_reader: MakeReader) -> None:
    info = await make_reader().read(web.url("/bare"))  # served as application/xhtml+xml

    assert isinstance(info, LinkInfo), info
    assert (info.title, info.description, info.keywords, info.headings) == ("", "", [], [])
    assert info.site_name == "127.0.0.1"
    assert info.text == "Just some words, nothing else."
    assert info.summary_for_tagging() == "Site: 127.0.0.1\nJust some words, nothing else."


async def test_charset_from_the_header_is_honoured(web: FakeWeb, make_reader: MakeReader) -> None:
    info = await make_reader().read(web.url("/cp1251"))

    assert isinstance(info, LinkInfo), info
    assert info.title == "Привет, мир"
    assert info.text == "Текст"


async def test_three_redirects_are_followed(web: FakeWeb, make_reader: MakeReader) -> None:
    info = await make_reader().read(web.url("/hop/3"))

    assert isinstance(info, LinkInfo), info
    assert info.final_url == web.url("/article")
    assert info.title == "Parliament passes the budget"
    assert web.paths() == ["/hop/3", "/hop/2", "/hop/1", "/article"]


async def test_a_fourth_redirect_is_refused_without_following_it(
    web: FakeWeb, make_reader: MakeReader
) -> None:
    error = await make_reader().read(web.url("/hop/4"))

    assert isinstance(error, LinkError), error
    assert error.reason == "too_many_redirects"
    assert error.message == "I couldn't read that link: it redirects more than 3 times."
    assert web.paths() == ["/hop/4", "/hop/3", "/hop/2", "/hop/1"]


async def test_declared_huge_body_is_refused_from_the_header(web: FakeWeb, make_reader: MakeReader) -> None:
    # The server stalls after its first chunk: reading on would end in a timeout, not "too_large".
    error = await make_reader().read(web.url("/huge"))

    assert isinstance(error, LinkError), error
    assert error.reason == "too_large"
    assert (
        error.message == "I couldn't read that link: the page is larger than 2 MB, so I stopped reading it."
    )


async def test_undeclared_huge_body_is_cut_at_the_cap(web: FakeWeb, make_reader: MakeReader) -> None:
    # 3 MB arrive, then the server stalls: only a reader that stops at 2 MB answers "too_large".
    error = await make_reader().read(web.url("/huge-chunked"))

    assert isinstance(error, LinkError), error
    assert error.reason == "too_large"


async def test_a_silent_server_times_out(
    web: FakeWeb, make_reader: MakeReader, private_settings: Settings
) -> None:
    settings = private_settings.model_copy(update={"fetch_timeout_s": 0.3})
    started = time.monotonic()

    error = await make_reader(settings).read(web.url("/slow"))

    assert isinstance(error, LinkError), error
    assert error.reason == "timeout"
    assert error.message == "I couldn't read that link: the site didn't answer within 0.3 seconds."
    assert time.monotonic() - started < 2.0


async def test_the_deadline_covers_the_whole_fetch_not_each_read(
    web: FakeWeb, make_reader: MakeReader, private_settings: Settings
) -> None:
    # Every byte arrives within 50 ms, so only a total deadline stops this.
    settings = private_settings.model_copy(update={"fetch_timeout_s": 0.3})
    started = time.monotonic()

    error = await make_reader(settings).read(web.url("/trickle"))

    assert isinstance(error, LinkError), error
    assert error.reason == "timeout"
    assert time.monotonic() - started < 2.0


async def test_binary_file_is_not_html(web: FakeWeb, make_reader: MakeReader) -> None:
    error = await make_reader().read(web.url("/binary"))

    assert isinstance(error, LinkError), error
    assert error.reason == "not_html"
    assert error.message == "I couldn't read that link: it isn't a web page (it's a binary file)."


async def test_404_says_so(web: FakeWeb, make_reader: MakeReader) -> None:
    error = await make_reader().read(web.url("/gone"))

    assert isinstance(error, LinkError), error
    assert error.reason == "http_status"
    assert error.message == "I couldn't read that link: the site answered with an error, 404 (Not Found)."


async def test_nothing_listening_is_a_network_error(web: FakeWeb, make_reader: MakeReader) -> None:
    await web.stop()

    error = await make_reader().read(web.url("/article"))

    assert isinstance(error, LinkError), error
    assert error.reason == "network"
    assert error.message == "I couldn't read that link: I couldn't connect to the site."


async def test_read_all_reads_every_link_in_a_slack_message(web: FakeWeb, make_reader: MakeReader) -> None:
    text = f"look <{web.url('/article')}|this> and {web.url('/binary')} and <{web.url('/gone')}>"

    infos, errors = await make_reader().read_all(text)

    assert [i.title for i in infos] == ["Parliament passes the budget"]
    assert [(e.url, e.reason) for e in errors] == [
        (web.url("/binary"), "not_html"),
        (web.url("/gone"), "http_status"),
    ]


async def test_read_all_without_links_reads_nothing(web: FakeWeb, make_reader: MakeReader) -> None:
    assert await make_reader().read_all("I avoid politics") == ([], [])
    assert web.requests == []

"""YouTube links: recognised in every common form, read from oEmbed and the watch page (a loopback fake)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bot.links import LinkError, LinkInfo, LinkReader
from bot.links.youtube import video_id
from bot.settings import Settings
from tests.bot.links.conftest import MakeReader
from tests.fakes.web import VIDEO_GONE, VIDEO_NO_OEMBED, VIDEO_NO_PAGE, VIDEO_OK, FakeWeb

ID = "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://www.youtube.com/watch?v={ID}", ID),
        (f"https://youtube.com/watch?v={ID}&t=42s", ID),
        (f"https://m.youtube.com/watch?feature=share&v={ID}", ID),
        (f"https://music.youtube.com/watch?v={ID}", ID),
        (f"https://youtu.be/{ID}", ID),
        (f"https://youtu.be/{ID}?si=abc", ID),
        (f"https://www.youtube.com/shorts/{ID}", ID),
        (f"https://www.youtube.com/embed/{ID}", ID),
        (f"https://www.youtube.com/live/{ID}", ID),
        (f"HTTPS://WWW.YOUTUBE.COM/watch?v={ID}", ID),
        ("https://www.youtube.com/watch?v=short", None),
        ("https://www.youtube.com/@channel", None),
        ("https://www.youtube.com/", None),
        (f"https://notyoutube.com/watch?v={ID}", None),
        (f"https://youtube.com.evil.example/watch?v={ID}", None),
        ("https://example.com/", None),
    ],
)
def test_video_id(url: str, expected: str | None) -> None:
    assert video_id(url) == expected


def youtube_reader(make_reader: MakeReader, web: FakeWeb) -> LinkReader:
    return make_reader(youtube_oembed_url=web.url("/oembed"), youtube_page_url=web.url(""))


async def test_video_title_and_channel_from_oembed_description_and_keywords_from_page(
    web: FakeWeb, make_reader: MakeReader
) -> None:
    url = f"https://youtu.be/{VIDEO_OK}"

    info = await youtube_reader(make_reader, web).read(url)

    assert info == LinkInfo(
        url=url,
        final_url=f"https://www.youtube.com/watch?v={VIDEO_OK}",
        kind="youtube",
        title="How to cook pasta",
        description="A video about cooking pasta at home, step by step.",
        site_name="Chef Example",
        keywords=["pasta", "cooking", "recipe", "italian food"],
    )
    assert info.summary_for_tagging() == (
        "How to cook pasta\n"
        "A video about cooking pasta at home, step by step.\n"
        "Channel: Chef Example\n"
        "Keywords: pasta, cooking, recipe, italian food"
    )
    oembed = next(r for r in web.requests if r.path_qs.startswith("/oembed"))
    assert parse_qs(urlsplit(oembed.path_qs).query) == {
        "url": [f"https://www.youtube.com/watch?v={VIDEO_OK}"],
        "format": ["json"],
    }
    assert f"/watch?v={VIDEO_OK}" in web.paths()


async def test_page_alone_is_enough_when_oembed_refuses(web: FakeWeb, make_reader: MakeReader) -> None:
    info = await youtube_reader(make_reader, web).read(f"https://www.youtube.com/shorts/{VIDEO_NO_OEMBED}")

    assert isinstance(info, LinkInfo), info
    assert info.title == "How to cook pasta (page title)"
    assert info.site_name == "Page Channel"
    assert info.keywords == ["pasta", "cooking", "recipe", "italian food"]


async def test_oembed_alone_is_enough_when_the_page_fails(web: FakeWeb, make_reader: MakeReader) -> None:
    info = await youtube_reader(make_reader, web).read(f"https://m.youtube.com/watch?v={VIDEO_NO_PAGE}")

    assert isinstance(info, LinkInfo), info
    assert (info.title, info.site_name, info.description, info.keywords) == (
        "How to cook pasta",
        "Chef Example",
        "",
        [],
    )


async def test_a_video_neither_source_knows_is_an_error(web: FakeWeb, make_reader: MakeReader) -> None:
    error = await youtube_reader(make_reader, web).read(f"https://www.youtube.com/watch?v={VIDEO_GONE}")

    assert isinstance(error, LinkError), error
    assert error.reason == "http_status"
    assert "404" in error.message


async def test_every_spelling_of_one_video_is_fetched_once(web: FakeWeb, make_reader: MakeReader) -> None:
    reader = youtube_reader(make_reader, web)
    spellings = [
        f"https://www.youtube.com/watch?v={VIDEO_OK}",
        f"https://youtu.be/{VIDEO_OK}",
        f"https://m.youtube.com/watch?v={VIDEO_OK}&t=10",
        f"https://www.youtube.com/shorts/{VIDEO_OK}",
    ]

    results = [await reader.read(url) for url in spellings]

    assert [r.url for r in results] == spellings
    assert {r.title for r in results if isinstance(r, LinkInfo)} == {"How to cook pasta"}
    assert len(web.requests) == 2  # one oEmbed call, one watch page


async def test_youtube_fetches_obey_the_address_policy(
    web: FakeWeb, make_reader: MakeReader, settings: Settings
) -> None:
    # Default settings: the (loopback) YouTube stand-in is a refused address like any other.
    reader = make_reader(settings, youtube_oembed_url=web.url("/oembed"), youtube_page_url=web.url(""))

    error = await reader.read(f"https://youtu.be/{VIDEO_OK}")

    assert isinstance(error, LinkError) and error.reason == "blocked_address", error
    assert web.requests == []

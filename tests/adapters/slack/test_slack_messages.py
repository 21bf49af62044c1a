"""Mentions, DMs and thread follow-ups answered through the real chat service; bots and edits ignored."""

from __future__ import annotations

from bot.settings import Settings
from bot.types import ChatIdentity
from tests.adapters.slack.conftest import events_url, running, slack_settings
from tests.adapters.slack.helpers import ELECTION_TEXT, POLITICAL, SlackHarness, mrkdwn, tags_of
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID, SlackSender


async def test_a_mention_is_answered_in_its_thread_with_tags_shaped_by_that_users_memory(
    slack: SlackHarness,
) -> None:
    await slack.mention("UALICE", "I prefer lowercase tags and I avoid politics")
    await slack.settle()

    body = p.app_mention("UALICE", ELECTION_TEXT)
    reply = await slack.deliver_and_wait_reply(body, thread_ts=body["event"]["ts"])
    assert reply.params["channel"] == "C0GENERAL"
    alice_tags = tags_of(reply)
    assert alice_tags, mrkdwn(reply)
    assert all(tag == tag.lower() for tag in alice_tags), alice_tags
    assert not [tag for tag in alice_tags if POLITICAL.search(tag)], alice_tags

    bob_tags = tags_of(await slack.mention("UBOB", ELECTION_TEXT))
    assert [tag for tag in bob_tags if POLITICAL.search(tag)], bob_tags  # bob never said he avoids politics


async def test_a_direct_message_is_answered_in_the_dm(slack: SlackHarness) -> None:
    reply = await slack.dm("UALICE", "tag this: a guide to sourdough baking at home")
    assert reply.params["channel"] == "DALICE"
    assert "thread_ts" not in reply.params or reply.params["thread_ts"] is None
    assert tags_of(reply)


async def test_follow_ups_in_a_thread_the_bot_was_mentioned_in_are_answered(slack: SlackHarness) -> None:
    root = p.app_mention("UALICE", "tag this: kubernetes operators in go")
    thread = root["event"]["ts"]
    await slack.deliver_and_wait_reply(root, thread_ts=thread)

    follow_up = p.message(
        "UBOB", "and this one: helm charts for postgres", channel="C0GENERAL", thread_ts=thread
    )
    reply = await slack.deliver_and_wait_reply(follow_up, thread_ts=thread)
    assert tags_of(reply)

    # A thread the bot was never mentioned in stays private between the people in it.
    other = p.message("UBOB", "tag this: nothing for the bot", channel="C0GENERAL", thread_ts=p.new_ts())
    await slack.deliver(other)
    await slack.settle()
    assert len(slack.fake.calls_to("chat.postMessage")) == 2


async def test_a_mention_inside_a_followed_thread_is_answered_once(slack: SlackHarness) -> None:
    root = p.app_mention("UALICE", "tag this: kubernetes operators in go")
    thread = root["event"]["ts"]
    await slack.deliver_and_wait_reply(root, thread_ts=thread)
    # Slack sends both an app_mention and a message event for a mention in a channel the bot reads.
    ts = p.new_ts()
    text = f"<@{BOT_USER_ID}> and helm charts"
    await slack.deliver(p.message("UALICE", text, channel="C0GENERAL", thread_ts=thread, ts=ts))
    await slack.deliver(p.app_mention("UALICE", text, thread_ts=thread, ts=ts, mention=False))
    await slack.settle()
    assert len(slack.fake.calls_to("chat.postMessage")) == 2


async def test_bots_edits_deletes_and_joins_are_ignored(slack: SlackHarness) -> None:
    channel = "C0GENERAL"
    ignored = [
        p.dm("UALICE", "from a bot", bot_id="B0OTHER", subtype="bot_message"),
        p.dm("UALICE", "an integration", bot_id="B0OTHER", bot_profile={"id": "B0OTHER"}),
        p.dm(BOT_USER_ID, "our own reply", bot_id=BOT_ID),
        p.dm("UALICE", "", subtype="message_changed", message={"text": "edited"}),
        p.dm("UALICE", "", subtype="message_deleted"),
        p.message("UALICE", "<@UALICE> has joined the channel", channel=channel, subtype="channel_join"),
        p.app_mention("U0OTHERBOT", "from a bot that mentions us", channel=channel),
    ]
    ignored[-1]["event"]["bot_id"] = "B0OTHER"
    for body in ignored:
        await slack.deliver(body)
    await slack.settle()
    assert slack.fake.calls_to("chat.postMessage") == []
    assert (await slack.service.list_memories(_alice())).total == 0


async def test_two_users_in_one_channel_keep_separate_memories(slack: SlackHarness) -> None:
    await slack.mention("UALICE", "I like rust content")
    await slack.mention("UBOB", "I like haskell content")
    alice = mrkdwn(await slack.memory_page("UALICE"))
    bob = mrkdwn(await slack.memory_page("UBOB"))
    assert "rust" in alice.lower() and "haskell" not in alice.lower()
    assert "haskell" in bob.lower() and "rust" not in bob.lower()


async def test_mentions_in_user_text_come_back_escaped(slack: SlackHarness) -> None:
    # Typed literally, `<!channel>` reaches us entity-encoded; `@here` picked from the menu arrives as markup.
    typed = "tag this: &lt;!channel&gt; &amp; &lt;@U0VICTIM&gt; <!here> news about rust compilers"
    await slack.deliver_and_wait_reply(p.dm("UALICE", typed), thread_ts=None)
    recalled = await slack.dm("UALICE", "what do you remember about me?")
    page = await slack.memory_page("UALICE")
    shown = "\n".join([mrkdwn(recalled), mrkdwn(page), recalled.params["text"], page.params["text"]])
    assert "&lt;!channel&gt; &amp; &lt;@U0VICTIM&gt;" in shown  # the text did come back, inert
    assert "<!" not in shown and "<@" not in shown


def _alice() -> ChatIdentity:
    return ChatIdentity(platform="slack", user="UALICE", workspace="T0FAKE")


async def test_another_worker_answers_follow_ups_in_a_thread_it_never_saw(
    slack: SlackHarness, settings: Settings
) -> None:
    """Behind a load balancer the mention and its follow-up may reach different processes."""
    root = p.app_mention("UALICE", "tag this: kubernetes operators in go")
    thread = root["event"]["ts"]
    await slack.deliver_and_wait_reply(root, thread_ts=thread)

    async with (
        running(slack_settings(settings, slack.fake), slack.service) as worker,
        SlackSender(events_url(worker)) as sender,
    ):
        other = SlackHarness(slack.fake, sender, worker, slack.service)
        follow_up = p.message("UBOB", "and this: helm charts", channel="C0GENERAL", thread_ts=thread)
        reply = await other.deliver_and_wait_reply(follow_up, thread_ts=thread)
        assert tags_of(reply)

        unrelated = p.app_mention("UBOB", "just people talking", mention=False)["event"]["ts"]
        await other.deliver(
            p.message("UCAROL", "tag this: nothing", channel="C0GENERAL", thread_ts=unrelated)
        )
        await other.deliver(p.message("UCAROL", "nor this", channel="C0GENERAL", thread_ts=unrelated))
        await worker.idle()
    assert len(slack.fake.calls_to("chat.postMessage")) == 2
    looked_up = [c.params["ts"] for c in slack.fake.calls_to("conversations.replies")]
    assert looked_up == [thread, unrelated], "each unknown thread is looked up once, then cached"

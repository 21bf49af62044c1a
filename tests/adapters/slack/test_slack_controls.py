"""The memory controls in Slack, through the real Bolt app against the fake Slack: pause, /remember, the
Edit modal, /link, admin switches and forget-all on a linked person."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.slack.render import ACTION_EDIT, ACTION_FORGET_ALL_LINKED, EDIT_INPUT, EDIT_INPUT_BLOCK
from bot.controls import messages as say
from bot.types import ChatIdentity
from tests.adapters.slack.helpers import SlackHarness, button, mrkdwn
from tests.controls.helpers import fingerprint
from tests.fakes import slack_payloads as p


def person(user: str) -> ChatIdentity:
    return ChatIdentity(platform="slack", user=user, workspace="T0FAKE")


async def texts(slack: SlackHarness, user: str) -> list[str]:
    await slack.settle()
    page = await slack.service.list_memories(person(user), limit=100)
    return [m.text for m in page.items]


async def test_pause_keeps_the_store_unchanged_and_every_reply_says_so(
    slack: SlackHarness, data_dir: Path
) -> None:
    await slack.dm("UALICE", "I prefer lowercase tags")
    answer = await slack.command("/memories", "pause", user="UALICE")
    assert answer.params["response_type"] == "ephemeral"
    assert mrkdwn(answer) == say.PAUSED
    await slack.settle()
    before = fingerprint(data_dir)
    reply = await slack.dm("UALICE", "I like numbat content")
    assert "Memory is paused" in mrkdwn(reply)
    await slack.settle()
    assert fingerprint(data_dir) == before
    assert "paused" in mrkdwn(await slack.command("/memories", "", user="UALICE")).lower()
    assert mrkdwn(await slack.command("/memories", "resume", user="UALICE")) == say.RESUMED
    assert "Memory is paused" not in mrkdwn(await slack.dm("UALICE", "I like quokka content"))
    assert [t for t in await texts(slack, "UALICE") if "quokka" in t]
    help_text = mrkdwn(await slack.command("/memories", "help", user="UALICE"))
    assert all(c in help_text for c in ("/memories pause", "/remember", "/link", "/memorybot memory off"))


async def test_remember_then_edit_through_the_modal(slack: SlackHarness) -> None:
    answer = await slack.command("/remember", "My cat is called Miso", user="UALICE")
    assert "Miso" in mrkdwn(answer)
    page = await slack.command("/memories", "", user="UALICE")
    edit = button(page, f"{ACTION_EDIT}:0")
    refused = await slack.click(f"{ACTION_EDIT}:0", edit["value"], user="UBOB")  # not Bob's memory
    assert mrkdwn(refused) == say.EDIT_MISSING
    url = slack.fake.new_response_url()
    click = p.block_action(f"{ACTION_EDIT}:0", edit["value"], user="UALICE", response_url=url)
    assert (await slack.sender.interaction(click))[0] == 200
    (opened,) = await slack.fake.wait_for_calls("views.open")
    assert opened.params["trigger_id"] == click["trigger_id"]
    view = opened.params["view"]
    assert view["blocks"][0]["element"]["initial_value"] == "My cat is called Miso"

    values = {EDIT_INPUT_BLOCK: {EDIT_INPUT: {"type": "plain_text_input", "value": "My cat is called Tofu"}}}
    status, _ = await slack.sender.interaction(p.view_submission(view, values, user="UALICE"))
    assert status == 200
    refreshed = await slack.response(url)
    assert refreshed.params["replace_original"] is True
    assert "Tofu" in mrkdwn(refreshed)
    assert await texts(slack, "UALICE") == ["My cat is called Tofu"]
    # A submission by someone other than who opened the modal (a forged view) is not acted on.
    values = {EDIT_INPUT_BLOCK: {EDIT_INPUT: {"type": "plain_text_input", "value": "hijacked"}}}
    assert (await slack.sender.interaction(p.view_submission(view, values, user="UBOB")))[0] == 200
    await slack.settle()
    assert await texts(slack, "UALICE") == ["My cat is called Tofu"]
    assert len(slack.fake.calls_to("response_url")) == 4  # /remember, /memories, Bob's refusal, the refresh


async def test_link_unlink_and_forget_all_on_a_linked_person(slack: SlackHarness) -> None:
    await slack.command("/remember", "My cat is called Miso", user="UALICE")
    discord_ann = ChatIdentity(platform="discord", user="111")
    await slack.service.remember(discord_ann, "My dog is called Rex")
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", mrkdwn(await slack.command("/link", "", user="UALICE")))
    assert code is not None
    assert (await slack.service.link(discord_ann, code.group(0))).startswith("Linked")
    shown = mrkdwn(await slack.command("/memories", "", user="UALICE"))
    assert "Rex" in shown and "Miso" in shown and "Linked with: Discord 111" in shown

    ask = await slack.command("/forget", "all", user="UALICE")
    linked_button = button(ask, ACTION_FORGET_ALL_LINKED)
    done = await slack.click(ACTION_FORGET_ALL_LINKED, linked_button["value"], user="UALICE")
    assert "2 memories" in mrkdwn(done)
    assert await texts(slack, "UALICE") == []
    assert (await slack.service.list_memories(discord_ann)).total == 0
    assert mrkdwn(await slack.command("/unlink", "", user="UALICE")).startswith("Unlinked")


async def test_only_a_workspace_admin_switches_memory_off_and_the_thread_hears_it_once(
    slack: SlackHarness,
) -> None:
    refused = await slack.command("/memorybot", "memory off <#C0QUIET|quiet>", user="UALICE")
    assert mrkdwn(refused) == say.SWITCH_NOT_ADMIN
    slack.fake.admins.add("UADMIN")
    switched = await slack.command("/memorybot", "memory off <#C0QUIET|quiet>", user="UADMIN")
    assert mrkdwn(switched) == say.switched(True, "in #C0QUIET")
    assert "#C0QUIET" in mrkdwn(await slack.command("/memorybot", "memory status", user="UALICE"))

    first = await slack.mention("UALICE", "I like numbat content", channel="C0QUIET")
    assert "switched memory off" in mrkdwn(first)
    thread_ts = first.params["thread_ts"]
    follow = p.message("UALICE", "I like wombat content", channel="C0QUIET", thread_ts=thread_ts)
    second = await slack.deliver_and_wait_reply(follow, thread_ts=thread_ts)
    assert "switched memory off" not in mrkdwn(second)
    assert not [t for t in await texts(slack, "UALICE") if "numbat" in t or "wombat" in t]
    assert "switched memory off" not in mrkdwn(await slack.mention("UALICE", "I like quokka content"))
    assert [t for t in await texts(slack, "UALICE") if "quokka" in t]

"""`/memories`, `/forget` and their buttons: ephemeral, the caller's memories only, a click runs as the
clicker."""

from __future__ import annotations

import json

from adapters.slack.render import ACTION_FORGET, ACTION_FORGET_ALL, ACTION_PAGE, escape
from bot import messages
from bot.identity import user_id_for
from bot.types import ChatIdentity
from tests.adapters.slack.helpers import SlackHarness, button, buttons, mrkdwn
from tests.fakes import slack_payloads as p


def person(user: str) -> ChatIdentity:
    return ChatIdentity(platform="slack", user=user, workspace="T0FAKE")


async def texts(slack: SlackHarness, user: str) -> list[str]:
    await slack.settle()
    page = await slack.service.list_memories(person(user), limit=100)
    return [m.text for m in page.items]


async def test_memories_is_ephemeral_and_shows_only_the_callers(slack: SlackHarness) -> None:
    await slack.dm("UALICE", "I like rust content")
    await slack.dm("UBOB", "I like haskell content")
    page = await slack.memory_page("UALICE")
    assert page.params["response_type"] == "ephemeral"
    shown = mrkdwn(page).lower()
    assert "rust" in shown and "haskell" not in shown
    # Nothing was posted publicly: the last message is the reply in Bob's DM.
    assert slack.fake.calls_to("chat.postMessage")[-1].params["channel"] == "DBOB"
    (delete,) = [b for b in buttons(page) if b["action_id"].startswith(ACTION_FORGET)]
    alices = (await slack.service.list_memories(person("UALICE"))).items
    assert json.loads(delete["value"])["id"] == alices[0].id


async def test_memories_pages_with_next_and_prev(slack: SlackHarness) -> None:
    topics = ["rust", "kotlin", "python", "haskell", "ocaml", "elixir", "zig"]
    for topic in topics:
        await slack.dm("UALICE", f"I like {topic} content")
    first = await slack.memory_page("UALICE")
    assert len([b for b in buttons(first) if b["action_id"].startswith(ACTION_FORGET)]) == 5
    following = await slack.click(
        f"{ACTION_PAGE}:next", button(first, f"{ACTION_PAGE}:next")["value"], user="UALICE"
    )
    assert following.params["replace_original"] is True
    assert len([b for b in buttons(following) if b["action_id"].startswith(ACTION_FORGET)]) == 2
    assert {b["action_id"] for b in buttons(following)} >= {f"{ACTION_PAGE}:prev"}
    shown = (mrkdwn(first) + mrkdwn(following)).lower()
    assert all(topic in shown for topic in topics)


async def test_the_delete_button_removes_only_that_memory(slack: SlackHarness) -> None:
    await slack.dm("UALICE", "I like rust content")
    await slack.dm("UALICE", "I like haskell content")
    await slack.dm("UBOB", "I like zig content")
    page = await slack.memory_page("UALICE")
    delete = button(page, ACTION_FORGET)
    doomed = json.loads(delete["value"])["id"]
    alice_before, bob_before = await texts(slack, "UALICE"), await texts(slack, "UBOB")

    refreshed = await slack.click(delete["action_id"], delete["value"], user="UALICE")
    await slack.settle()

    remaining = await slack.service.list_memories(person("UALICE"))
    assert doomed not in [m.id for m in remaining.items]
    assert len(remaining.items) == len(alice_before) - 1
    assert await texts(slack, "UBOB") == bob_before
    assert refreshed.params["replace_original"] is True
    assert doomed not in json.dumps(refreshed.params["blocks"])


async def test_a_delete_click_by_another_user_is_refused(slack: SlackHarness) -> None:
    await slack.dm("UALICE", "I like rust content")
    page = await slack.memory_page("UALICE")
    delete = button(page, ACTION_FORGET)
    before = await texts(slack, "UALICE")

    answer = await slack.click(delete["action_id"], delete["value"], user="UMALLORY")

    assert answer.params["replace_original"] is False
    assert mrkdwn(answer) == escape(messages.FORGET_ONE_MISSING)
    assert await texts(slack, "UALICE") == before


async def test_forget_all_deletes_nothing_before_the_confirm_click_and_everything_after(
    slack: SlackHarness,
) -> None:
    await slack.dm("UALICE", "I like rust content")
    await slack.dm("UALICE", "I like haskell content")
    await slack.dm("UBOB", "I like zig content")
    alice_before, bob_before = await texts(slack, "UALICE"), await texts(slack, "UBOB")
    assert alice_before and bob_before

    question = await slack.command("/forget", "all", user="UALICE")
    assert question.params["response_type"] == "ephemeral"
    confirm = button(question, ACTION_FORGET_ALL)
    assert confirm["style"] == "danger"
    assert await texts(slack, "UALICE") == alice_before  # asking deletes nothing

    refused = await slack.click(ACTION_FORGET_ALL, confirm["value"], user="UBOB")
    assert refused.params["replace_original"] is False
    assert mrkdwn(refused) == escape(messages.FORGET_ALL_REFUSED)
    assert await texts(slack, "UALICE") == alice_before
    assert await texts(slack, "UBOB") == bob_before

    done = await slack.click(ACTION_FORGET_ALL, confirm["value"], user="UALICE")
    assert done.params["replace_original"] is True
    assert await texts(slack, "UALICE") == []
    assert await texts(slack, "UBOB") == bob_before


async def test_forget_one_by_id_and_an_unknown_id(slack: SlackHarness) -> None:
    await slack.dm("UALICE", "I like rust content")
    await slack.dm("UBOB", "I like haskell content")
    await slack.settle()
    bobs = (await slack.service.list_memories(person("UBOB"))).items[0].id

    refused = await slack.command("/forget", bobs, user="UALICE")
    assert mrkdwn(refused) == escape(messages.FORGET_ONE_MISSING)
    assert len(await texts(slack, "UBOB")) == 1

    alices = (await slack.service.list_memories(person("UALICE"))).items[0].id
    done = await slack.command("/forget", alices, user="UALICE")
    assert mrkdwn(done) == escape(messages.FORGET_ONE_DONE)
    assert await texts(slack, "UALICE") == []

    usage = await slack.command("/forget", "", user="UALICE")
    assert "/forget all" in mrkdwn(usage)


async def test_memories_export_uploads_the_callers_json_to_their_dm(slack: SlackHarness) -> None:
    await slack.dm("UALICE", "I like rust content")
    await slack.dm("UBOB", "I like haskell content")
    await slack.settle()
    answer = await slack.command("/memories", "export", user="UALICE")

    assert answer.params["response_type"] == "ephemeral"
    (opened,) = slack.fake.calls_to("conversations.open")
    assert opened.params["users"] == "UALICE"
    (upload,) = slack.fake.calls_to("upload")
    document = json.loads(upload.body)
    exported = [m["text"] for m in document["memories"]]
    assert exported == await texts(slack, "UALICE")
    assert "haskell" not in upload.body.decode()
    (complete,) = slack.fake.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DALICE"
    assert complete.params["files"][0]["id"] == upload.params["file_id"]


async def test_memories_with_a_query_shows_matching_memories(slack: SlackHarness) -> None:
    await slack.dm("UALICE", "I like rust content")
    await slack.dm("UALICE", "I like gardening content")
    page = await slack.memory_page("UALICE", query="rust")
    shown = mrkdwn(page)
    assert "matching “rust”" in shown
    assert "rust" in shown.split("\n", 1)[1]


async def test_a_command_is_acknowledged_before_its_work_runs(slack: SlackHarness) -> None:
    await slack.dm("UALICE", "I like rust content")
    await slack.settle()
    memory_id = (await slack.service.list_memories(person("UALICE"))).items[0].id
    url = slack.fake.new_response_url()
    # Hold the user's memory lock: the deletion cannot run, yet Slack must get its ack.
    async with slack.service.store.user_lock(user_id_for(person("UALICE"))):
        status, _ = await slack.sender.form(
            p.slash_command("/forget", memory_id, user="UALICE", response_url=url)
        )
        assert status == 200
        assert slack.fake.calls_to("response_url") == []
    answer = await slack.response(url)
    assert mrkdwn(answer) == escape(messages.FORGET_ONE_DONE)

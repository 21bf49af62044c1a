"""Slack payload → identity and message: the rules that decide whose memory a message touches."""

from __future__ import annotations

from adapters.slack.convert import (
    action_identity,
    command_identity,
    incoming_from_event,
    is_person_talking,
    plain_text,
    strip_mention,
    workspace_for,
)
from bot.identity import user_id_for
from state.recent import RecentKeys
from tests.fakes import slack_payloads as p


def test_mention_becomes_a_message_in_the_thread_of_the_mention() -> None:
    body = p.app_mention("U1", "tag this please", channel="C9", ts="100.000001")
    message = incoming_from_event(body, body["event"], bot_user_id="UBOT", thread="100.000001")
    assert message.text == "tag this please"
    assert message.identity.channel == "C9" and message.identity.thread == "100.000001"
    assert message.message_id == body["event"]["client_msg_id"]
    assert user_id_for(message.identity) == "slack:T0FAKE:U1"
    assert message.link == "https://slack.com/archives/C9/p100000001"


def test_message_id_falls_back_to_channel_and_ts() -> None:
    body = p.dm("U1", "hi", ts="5.000002")
    del body["event"]["client_msg_id"]
    message = incoming_from_event(body, body["event"], bot_user_id="UBOT", thread=None)
    assert message.message_id == "D1:5.000002"


def test_strip_mention_handles_labelled_mentions_and_keeps_other_users() -> None:
    assert strip_mention("<@UBOT|memorybot>  hello <@U2>  <@UBOT>", "UBOT") == "hello <@U2>"


def test_enterprise_id_scopes_users_before_team() -> None:
    assert workspace_for(enterprise_id="E1", team_id="T1", user_team="T1") == "E1"
    assert workspace_for(enterprise_id=None, team_id="T1", user_team=None) == "T1"


def test_slack_connect_speaker_is_scoped_by_their_own_team() -> None:
    body = p.app_mention("U1", "hi", team="T0FAKE")
    body["is_ext_shared_channel"] = True
    body["event"]["user_team"] = "TOTHER"
    message = incoming_from_event(body, body["event"], bot_user_id="UBOT", thread="1")
    assert user_id_for(message.identity) == "slack:TOTHER:U1"
    # Outside shared channels a differing user_team (another workspace of the same org) changes nothing.
    body["is_ext_shared_channel"] = False
    body["enterprise_id"] = "E1"
    message = incoming_from_event(body, body["event"], bot_user_id="UBOT", thread="1")
    assert user_id_for(message.identity) == "slack:E1:U1"


def test_command_and_click_identities_match_event_identities() -> None:
    event_body = p.dm("U1", "hi")
    event = event_body["event"]
    from_event = incoming_from_event(event_body, event, bot_user_id="UBOT", thread=None).identity
    from_command = command_identity(p.slash_command("/memories", "", user="U1", response_url="x"))
    from_click = action_identity(p.block_action("a", "v", user="U1", response_url="x"))
    assert user_id_for(from_event) == user_id_for(from_command) == user_id_for(from_click)


def test_bots_edits_and_joins_are_not_people_talking() -> None:
    person = p.message("U1", "hi", channel="C1")["event"]
    assert is_person_talking(person)
    assert is_person_talking({**person, "subtype": "thread_broadcast"})
    assert not is_person_talking({**person, "bot_id": "B2"})
    for subtype in ("message_changed", "message_deleted", "channel_join", "bot_message"):
        assert not is_person_talking({**person, "subtype": subtype})
    assert not is_person_talking({k: v for k, v in person.items() if k != "user"})


def test_recent_keys_dedupes_within_ttl_and_stays_bounded() -> None:
    now = [0.0]
    keys = RecentKeys(max_size=3, ttl_s=10, clock=lambda: now[0])
    assert keys.first_time("a") and not keys.first_time("a")
    now[0] = 11
    assert keys.first_time("a"), "expired keys count as new"
    for k in "bcde":
        keys.first_time(k)
    assert len(keys) == 3 and "a" not in keys and "e" in keys


def test_touch_restarts_the_ttl() -> None:
    now = [0.0]
    keys = RecentKeys(max_size=10, ttl_s=10, clock=lambda: now[0])
    keys.touch("t")
    keys.touch("u")
    now[0] = 8
    keys.touch("t")
    now[0] = 12
    assert "t" in keys and "u" not in keys


def test_slack_markup_reaches_the_core_as_plain_text() -> None:
    raw = (
        "hi <@U2|ann> in <#C1|general> <!here> <!subteam^S1|@devs> see <https://x.example/a|the docs> "
        "and <https://y.example> or <mailto:a@b.example|a@b.example>; typed: &lt;!channel&gt; &amp;lt;"
    )
    assert plain_text(raw) == (
        "hi @ann in #general @here @devs see the docs (https://x.example/a) "
        "and https://y.example or a@b.example; typed: <!channel> &lt;"
    )

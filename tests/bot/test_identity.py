from __future__ import annotations

import itertools

import pytest

from bot.identity import session_id_for, user_id_for
from bot.types import ChatIdentity


def test_user_ids_have_the_documented_shape() -> None:
    assert user_id_for(ChatIdentity(platform="discord", user="123")) == "discord:123"
    assert user_id_for(ChatIdentity(platform="slack", user="U2", workspace="T1")) == "slack:T1:U2"
    assert user_id_for(ChatIdentity(platform="console", user="alice")) == "console:alice"


def test_user_id_ignores_where_the_user_speaks() -> None:
    a = ChatIdentity(
        platform="slack", user="U2", workspace="T1", channel="C1", thread="1.2", display_name="Al"
    )
    b = ChatIdentity(platform="slack", user="U2", workspace="T1", channel="D9")
    assert user_id_for(a) == user_id_for(b)


def test_sessions_are_per_conversation() -> None:
    base = ChatIdentity(platform="slack", user="U2", workspace="T1", channel="C1")
    threaded = ChatIdentity(platform="slack", user="U2", workspace="T1", channel="C1", thread="1.2")
    other_user_same_thread = ChatIdentity(
        platform="slack", user="U3", workspace="T1", channel="C1", thread="1.2"
    )
    assert session_id_for(base) != session_id_for(threaded)
    assert session_id_for(threaded) == session_id_for(other_user_same_thread)


def test_no_collisions_across_platforms_workspaces_and_separators() -> None:
    identities = [
        ChatIdentity(platform=p, user=u, workspace=w)
        for p, u, w in itertools.product(
            ["slack", "discord", "console"], ["U1", "T1:U1", "U1%3A", "a:b", "a%3Ab"], ["T1", "T1:U1", "E1"]
        )
        if p == "slack" or w == "T1"
    ]
    ids = [user_id_for(i) for i in identities]
    assert len(ids) == len(set(ids))
    # a colon in a user id cannot forge another workspace's user
    forged = ChatIdentity(platform="slack", user="U1", workspace="T1:U9")
    assert user_id_for(forged) != user_id_for(ChatIdentity(platform="slack", user="U9:U1", workspace="T1"))


def test_missing_parts_are_rejected() -> None:
    with pytest.raises(ValueError):
        user_id_for(ChatIdentity(platform="slack", user="U1"))
    with pytest.raises(ValueError):
        user_id_for(ChatIdentity(platform="discord", user="  "))

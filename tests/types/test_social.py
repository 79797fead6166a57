"""Social-media accounts from links, prefixed handles and platform hints."""

from __future__ import annotations

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import normalise
from nervecentre.types.social import platforms


@pytest.mark.parametrize(
    ("raw", "hints", "value"),
    [
        ("instagram:@some.user", {}, "instagram:some.user"),
        ("Instagram @Some.User", {}, "instagram:some.user"),
        ("ig: some.user", {}, "instagram:some.user"),
        ("@some.user", {"platform": "instagram"}, "instagram:some.user"),
        ("some.user", {"platform": "Insta"}, "instagram:some.user"),
        ("https://www.instagram.com/some.user/", {}, "instagram:some.user"),
        ("instagram.com/Some.User?igshid=abc123", {}, "instagram:some.user"),
        ("https://www.instagram.com/some.user/reels/", {}, "instagram:some.user"),
        ("t.me/somechannel", {}, "telegram:somechannel"),
        ("https://t.me/s/somechannel", {}, "telegram:somechannel"),
        ("https://t.me/somechannel/123", {}, "telegram:somechannel"),
        ("facebook.com/profile.php?id=100012345678", {}, "facebook:100012345678"),
        ("https://m.facebook.com/profile.php?ref=x&id=100012345678", {}, "facebook:100012345678"),
        ("https://www.facebook.com/Ravi.Kumar.123", {}, "facebook:ravi.kumar.123"),
        ("x.com/Handle_1", {}, "x:handle_1"),
        ("https://twitter.com/handle_1/status/1234567890", {}, "x:handle_1"),
        ("twitter:@handle_1", {}, "x:handle_1"),
        ("https://www.youtube.com/@SomeChannel", {}, "youtube:somechannel"),
        ("https://www.tiktok.com/@some.user", {}, "tiktok:some.user"),
        ("https://www.linkedin.com/in/ravi-kumar-1234/", {}, "linkedin:ravi-kumar-1234"),
        ("https://www.snapchat.com/add/someuser", {}, "snapchat:someuser"),
    ],
)
def test_forms_of_accounts(raw: str, hints: dict[str, str], value: str) -> None:
    assert normalise("social", raw, **hints).value == value


def test_youtube_channel_ids_keep_their_case() -> None:
    value = normalise("social", "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuV")
    assert value.value == "youtube:UCabcdefghijklmnopqrstuV"


@pytest.mark.parametrize(
    "raw",
    [
        "wa.me/919876543210",
        "https://wa.me/+919876543210?text=hello",
        "https://api.whatsapp.com/send?phone=919876543210&text=hi",
        "whatsapp:98765 43210",
        "WhatsApp +91 98765 43210",
    ],
)
def test_whatsapp_handle_is_the_e164_number(raw: str) -> None:
    value = normalise("social", raw)
    assert value.value == "whatsapp:+919876543210"
    assert value.display == "WhatsApp +91 98765 43210"
    assert value.extra == {"platform": "whatsapp"}


def test_display() -> None:
    value = normalise("social", "instagram:@some.user")
    assert value.display == "Instagram @some.user"
    assert value.extra == {"platform": "instagram"}


def test_every_platform_declares_a_profile_pattern() -> None:
    for platform in platforms().values():
        assert platform.profiles
        assert platform.label
        assert platform.is_phone or platform.handle is not None


@pytest.mark.parametrize(
    ("raw", "hints", "message"),
    [
        ("@some.user", {}, "does not say which platform"),
        ("some.user", {"platform": "myspace"}, "unknown platform"),
        ("instagram:@some user", {}, "not a valid Instagram handle"),
        ("x:@this_handle_is_far_too_long", {}, "not a valid X handle"),
        ("https://www.instagram.com/p/Cabc123/", {}, "page \\(p\\), not a profile"),
        ("https://www.facebook.com/groups/12345", {}, "not a profile"),
        ("https://t.me/+AbCdEfGh", {}, "not a profile"),
        ("https://t.me/joinchat/AbCdEfGh", {}, "not a profile"),
        ("https://www.tiktok.com/", {}, "not a profile"),
        ("wa.me/12345", {}, "WhatsApp account"),
        ("instagram:@some.user", {"platform": "facebook"}, "Instagram account, not Facebook"),
        ("' OR 1=1 --", {"platform": "instagram"}, "not a valid Instagram handle"),
    ],
)
def test_rejections_say_why(raw: str, hints: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidValue, match=message) as info:
        normalise("social", raw, **hints)
    assert info.value.kind == "social"

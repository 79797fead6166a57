"""Campaign names: a theme from the wording and the most used payment detail."""

from __future__ import annotations

from nervecentre.scams.naming import DEFAULT_THEME, campaign_name, shorten, theme


def test_theme_is_the_wording_most_messages_share() -> None:
    texts = ["I recorded you via your webcam <name>", "your webcam was hacked", "pay <amount>"]
    assert theme(texts) == "Webcam recording"
    assert theme(["मैंने आपका वीडियो कॉल रिकॉर्ड किया"]) == "Video-call threat"
    assert theme(["hello <name>"]) == DEFAULT_THEME


def test_name_is_deterministic_and_prefers_the_most_used_detail() -> None:
    payments = [
        ("phone", "+919876543210", 4),
        ("btc", "bc1qra2e0vq5s5aeh03gtxn7extltqr4t2xe33g4mcum38hzf3kgvnlqzm43qe", 4),
        ("upi", "ravi@ybl", 2),
    ]
    name = campaign_name(["I know your password <secret>"], payments)
    assert name == "Known password · BTC bc1qra…43qe"
    assert campaign_name(["I know your password <secret>"], reversed(payments)) == name
    assert campaign_name(["x"], [("email", "a@b.in", 9)]) == DEFAULT_THEME
    assert shorten("ravi@ybl") == "ravi@ybl"

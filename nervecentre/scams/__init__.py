"""The sextortion tracker: complaints in, validated indicators and campaigns out."""

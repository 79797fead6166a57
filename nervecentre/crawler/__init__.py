"""The Crawler: finds known material on the web by hash, in memory, and keeps the evidence."""

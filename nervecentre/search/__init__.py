"""Searching the registry: the case list's query, the full-text index and the in-memory
case index, under need-to-know (:func:`nervecentre.search.cases.search_cases`)."""

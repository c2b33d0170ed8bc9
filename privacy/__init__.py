"""The product's privacy rules: what of people's words may be logged (log_privacy.py), how
personal data is redacted before anything is stored (redaction.py + redaction.yml), what of an
unanswered question may be kept (gap_policy.py + gap_policy.yml, gap_words.txt) and how long
the kept questions stay (gaps.py).

It reads the knowledge base (its notices' names are never redacted, its words are known words)
and nothing of the rooms that use it (bot, actions, frontdoor, orchestration, evaluation).
"""

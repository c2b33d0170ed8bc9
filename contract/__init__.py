"""The contract every room shares: answer topics and their kinds, the pseudo-topics of replies
that answer nothing, the routing map from intents to topics, the reply payload, and the
environment variables every process reads.

The actions write replies by it, the front door and the evaluation read them by it, and the
knowledge base checks its topics against it (topics.yml lists the ids).
"""

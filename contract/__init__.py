"""The contract every room shares: answer topics and their kinds, the pseudo-topics of replies
that answer nothing, the routing map from intents to topics, and the reply payload.

The actions write replies by it, the front door and the evaluation read them by it, and the
knowledge base checks its topics against it (topics.yml lists the ids).
"""

"""The public front door: an aiohttp app with the chat widget, the JSON API and the agent console.

It is the only process that listens beyond 127.0.0.1; Rasa and the action server sit behind it.
"""

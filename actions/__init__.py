"""The rasa_sdk action server: turns a recognised question into an answer."""

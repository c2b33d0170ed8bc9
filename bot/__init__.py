"""Rasa's plugins (NLU steps, the private conversation store) and the entry points of the Rasa
and action server processes.

Rasa's environment (no telemetry, a quiet TensorFlow: contract.environment.RASA_ENVIRONMENT)
is set by the entry points, not on import: bot/rasa_server.py, the stack for the processes it
starts, orchestration's commands and the Makefile for the `rasa` commands it runs.
"""

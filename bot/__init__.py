"""Rasa's plugins (NLU steps, the private conversation store) and the entry points of the Rasa
and action server processes.

Importing it sets Rasa's environment for this process and the ones it starts: no telemetry
(no third-party calls) and a quiet TensorFlow. This is the one place; the Makefile exports
the same for the `rasa` commands it runs directly.
"""

import os

RASA_ENVIRONMENT = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
os.environ.update(RASA_ENVIRONMENT)

"""Serving glue: NLU generation, training, the front door and the processes of `make run`."""

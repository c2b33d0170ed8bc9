"""Serving glue: NLU generation from the knowledge base, training, and the processes behind `make run`."""

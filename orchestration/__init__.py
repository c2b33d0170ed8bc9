"""Building and running the assistant from a checkout: NLU generated from the knowledge base,
cached training, and the supervised processes of `make run`, the end-to-end tests and the
benchmark."""

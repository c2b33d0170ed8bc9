"""Configs and experiments that `make compare` measures against the product (see README)."""

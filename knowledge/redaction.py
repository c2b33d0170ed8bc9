"""Redaction of what people type, before anything of it is stored."""

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NUMBER = re.compile(r"\+?\d(?:[\s().-]*\d){6,}")  # 7+ digits: phones, cards, passports, ids


def redact(text: str) -> str:
    """`text` with e-mail addresses and long numbers replaced by placeholders."""
    return NUMBER.sub("[number]", EMAIL.sub("[email]", text))

"""Python's error messages in the TypeScript port's words: a Python tuple is a JavaScript
array, so the port says "must be an array" where Python says "must be a tuple"."""
import re


def js_words(message):
    message = message.replace("must be 2 tuple", "must be an array of 2")
    return re.sub(r"\btuple\b", "array", re.sub(r"\ba tuple\b", "an array", message))

"""Security tests: hostile input (fuzzed documents, sandbox escape and exhaustion payloads)
is refused with a dealflow error, never a traceback, a hang or a leak."""

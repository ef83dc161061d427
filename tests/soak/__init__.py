"""Long runs (not collected by pytest): `python -m tests.soak.<name> --help`."""

from tests.chaos.stack import chaos  # noqa: F401 -- the fixture every chaos test uses

import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
BUNDLED = os.path.join(REPO, "benchmarks", "data")
TEST_DATA = os.path.join(REPO, "tests", "data")
SET5 = ("baby", "bird", "butterfly", "head", "woman")


@pytest.fixture
def shared_dir():
    """../shared beside the checkout; tests that need it skip without it."""
    if not os.path.isdir(SHARED):
        pytest.skip("../shared is not present")
    return SHARED

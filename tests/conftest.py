import os

# Tests run tiny tensors, where intra-op threads cost more than they give (and oversubscribe a
# shared 2-core machine badly); child processes (CLI tests, torchrun) inherit the setting.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

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

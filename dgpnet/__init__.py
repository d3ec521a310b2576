"""DGPNet (Peng, Cao et al., arXiv 2405.07023): directional gradient convolutions, re-parameterized.

The public surface is :mod:`dgpnet.api`; training and testing are ``dgpnet/train.py`` and
``dgpnet/test.py`` (BasicSR style), export is ``dgpnet/fuse.py``.
"""

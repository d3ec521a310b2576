"""gdsr: Guided Dual Networks for SISR (Chen et al., IEEE Access 2020), BasicSR-style train/test.

Entry points: ``python gdsr/train.py -opt ...``, ``python gdsr/test.py -opt ...``, and ``gdsr.api``.
"""

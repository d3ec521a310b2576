"""Shared metrics and IO for the SR packages: nothing here trains or builds a network.

Modules: ``io`` (images, folders, checkpoints), ``imresize`` (MATLAB bicubic), ``degradations``
(BI/BD/DN), ``metrics`` (PSNR/SSIM/NIQE), ``evaluate`` (the folder-scoring command line).
"""

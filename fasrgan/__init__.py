"""FASRGAN and Fs-SRGAN (Yan et al., IEEE TMM 2021) with the BasicSR JSON command line; see README.md."""

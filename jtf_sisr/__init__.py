"""jtf_sisr: JTF-SISR (gradient-guided SISR by joint trilateral feature filtering) and its EDSR baseline."""

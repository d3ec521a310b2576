"""DARSR (ICCV 2023): per-image correction filter for blind SR with a frozen SRFBN-S; see README.md."""

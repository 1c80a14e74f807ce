"""Synthetic scans of Vietnamese administrative documents, with ground truth."""

from .degrade import PROFILES
from .generate import Sample, generate, load_truth, save_scan

__all__ = ["PROFILES", "Sample", "generate", "load_truth", "save_scan"]

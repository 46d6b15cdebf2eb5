"""Calibration to public targets: moments, the targets spec, simulated method of moments."""

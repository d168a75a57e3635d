"""Linting: rules over platform specs (they know intent) and over any manifests."""

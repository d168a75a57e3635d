"""mlopsgen: one platform.yaml in, a validated GitOps tree out."""

__version__ = "0.1.0"

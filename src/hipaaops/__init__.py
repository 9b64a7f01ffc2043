"""hipaaops: an open-source HIPAA compliance platform."""

__version__ = "0.1.0"

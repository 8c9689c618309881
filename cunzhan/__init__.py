"""CunZhan (村站): management of rural e-commerce service stations."""

__version__ = "0.1.0"

"""Relais: a chatbot that walks residents through online procedures in France."""

__version__ = "0.1.0"

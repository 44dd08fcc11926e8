"""Cramp Coach: a chat companion for muscle cramps during or after exercise."""

__version__ = "0.1.0"

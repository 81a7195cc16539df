"""The palettes command."""

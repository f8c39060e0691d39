"""nashai.math.probability (being written)."""

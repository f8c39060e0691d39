"""nashai.math.optimization (being written)."""

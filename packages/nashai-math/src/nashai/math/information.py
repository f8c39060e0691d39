"""nashai.math.information (being written)."""

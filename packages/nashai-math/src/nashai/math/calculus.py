"""nashai.math.calculus (being written)."""

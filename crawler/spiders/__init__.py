"""WildWatch spiders: one generic spider reads any marketplace."""

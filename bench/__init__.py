"""The load benchmark: thousands of phones in one live session (`make bench`).

See docs/performance.md for the method and the results.
"""

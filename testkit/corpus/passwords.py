"""Passwords that kobench must hand to a server without a shell or a parser seeing them."""

HOSTILE = 'pa ss"wo\\rd$(id)`x`\n*'
"""A password with everything a shell or a config parser could get wrong."""

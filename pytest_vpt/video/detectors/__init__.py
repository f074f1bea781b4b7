"""One module per check: what it decides about a frame (or a packet), and its settings."""

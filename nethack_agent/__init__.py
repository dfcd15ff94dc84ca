"""A linear softmax policy trained by policy gradient on the NetHack Learning Environment."""

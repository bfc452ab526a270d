"""Stage 0, build: the Go toolchain, build variants, the C header and the c-shared library with its cffi extension.

Nothing here measures. collect loads what build produces; analyse and present
never import this package.
"""

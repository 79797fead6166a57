"""nervecentre: the nerve centre for cyber-crime and anti-trafficking units."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nervecentre")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

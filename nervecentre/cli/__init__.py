"""The ``nervecentre`` command line: thin commands over the Python API."""

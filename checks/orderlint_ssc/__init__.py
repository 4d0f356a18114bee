"""orderlint's built-in SSc-ILD rule pack, installed as ``orderlint_ssc``.

It is registered through the ``orderlint`` entry-point group exactly as a third-party pack
would be (see ``plugin.py``): the plugin interface is the one the project itself uses.
"""

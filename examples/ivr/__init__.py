"""An IVR app server for RestComm, written twice: with the builder and with templates.

See README.md in this directory.
"""

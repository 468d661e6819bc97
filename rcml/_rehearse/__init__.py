"""The offline interpreter: rehearse a call against the real app server."""

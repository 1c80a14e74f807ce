"""FastAPI: the JSON API and (in its own issue) the local review web page."""

"""Page-level data assembly for the Streamlit app.

Each page section has one function here that calls the library and returns
frames, figures or small records; `app_pages/*.py` only read widgets and render.
`session` is the Streamlit glue: the shared snapshot, the signed-in role and
the cache.
"""

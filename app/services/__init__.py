"""The domain: every rule lives here, views and jobs only call in."""

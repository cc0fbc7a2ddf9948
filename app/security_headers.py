"""Security headers on every answer (pages, the JSON API, static files), by flask-talisman.

The Content-Security-Policy allows scripts and styles from this site only: no inline
<script>, <style>, style="" or on*= handlers (templates use static/js and classes), and
htmx runs with `allowEval: false` and its inline indicator styles off (templates/base.html).
Images may also come from https: (product pictures synced from Shopify) and data: URIs
(Pico's form icons). HSTS and the HTTPS redirect are for production only, which runs behind
a TLS proxy; development and tests speak plain HTTP.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_talisman import Talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:", "https:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Nothing here uses the camera, microphone, location, payment or USB APIs.
PERMISSIONS_POLICY = {
    "camera": "()",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
    "browsing-topics": "()",
    "interest-cohort": "()",
}


def init_security_headers(app: Flask) -> None:
    production = app.config.get("ENV_NAME") == "production"
    # One Talisman per app: it keeps its options on itself (tests build many apps).
    app.extensions["talisman"] = Talisman(
        app,
        force_https=production and app.config.get("FORCE_HTTPS", True),
        strict_transport_security=production,
        strict_transport_security_max_age=365 * 24 * 3600,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        # Reset links carry their token in the path: never send it to another site.
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        x_content_type_options=True,
        # Talisman would otherwise overwrite the cookie settings of app/config.py.
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )

    @app.after_request
    def no_server_banner(response: Response) -> Response:
        # The app names no server or framework; gunicorn's own banner is set in its config.
        response.headers.pop("Server", None)
        response.headers.pop("X-Powered-By", None)
        return response

"""Domain errors on member pages: an error page, or a message in place for htmx."""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template
from flask.typing import ResponseReturnValue

from app.core.db import discard_unfinished_work
from app.core.errors import DomainError
from app.web.rendering import wants_fragment

TITLES = {
    400: "That did not work",
    403: "Not allowed",
    404: "Not found",
    409: "That cannot happen right now",
    422: "Please check what you entered",
}


def message_response(status: int, title: str, message: str) -> Response:
    if wants_fragment():
        # Shown in the page's message area, whatever element asked.
        body = render_template("_flash_message.html", category="error", message=message)
        response = make_response(body, status)
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        body = render_template("errors/error.html", code=status, title=title, message=message)
        response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def register_error_handlers(bp: Blueprint) -> None:
    @bp.errorhandler(DomainError)
    def domain_error(error: DomainError) -> ResponseReturnValue:
        discard_unfinished_work()
        return message_response(error.status, TITLES.get(error.status, "Error"), error.message)

"""The trivial WSGI app bench/web-tier.ts serves: no framework, so the numbers measure the web tier
(nginx, gunicorn and what sits between them), not an app.

    /         a short text body
    /healthz  "ok", as the rendered nginx site's health check expects
    anything else: 404
"""

HELLO = b"hello from the web tier benchmark\n"
OK = b"ok\n"
NOT_FOUND = b"not found\n"


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/":
        status, body = "200 OK", HELLO
    elif path == "/healthz":
        status, body = "200 OK", OK
    else:
        status, body = "404 Not Found", NOT_FOUND
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]

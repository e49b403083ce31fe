"""The original identity-headers demo, rebuilt for bench/app from its description.

One Flask function behind gunicorn (sync workers), as tailscale-dev/id-headers-demo ran it: a
visitor is a friend when Tailscale-User-Name or Tailscale-User-Login is non-empty, a stranger
otherwise. The headers are trusted from anyone, nothing is decoded, no profile picture is shown:
exactly as much work per request as the original did, so the benchmark compares like with like.

    gunicorn -w "$(nproc)" -b 127.0.0.1:5000 --chdir bench/app listener:app

Env (both optional): DEMO_INVITE_LINK (strangers get a join link), TAILSCALE_URL (og:url, og:image).
"""
import os

from flask import Flask, render_template, request

app = Flask(__name__)

STRANGER = {"background_color": "#f2e5bc", "color": "#282828", "emoji": "\U0001F920"}
FRIEND = {"background_color": "#228B22", "color": "#fff", "emoji": "\U0001F46F"}


@app.route("/")
def greet():
    name = request.headers.get("Tailscale-User-Name", "")
    login = request.headers.get("Tailscale-User-Login", "")
    identified = bool(name or login)
    return render_template(
        "index.html",
        identified=identified,
        name=name,
        login=login,
        invite_link=os.environ.get("DEMO_INVITE_LINK"),
        tailscale_url=os.environ.get("TAILSCALE_URL"),
        headers=list(request.headers.items()),
        **(FRIEND if identified else STRANGER),
    )


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)

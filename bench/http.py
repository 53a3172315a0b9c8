"""A tiny cookie-keeping HTTP client for benchmarks, and process memory readings."""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie


@dataclass
class Response:
    """Status and body of one answer."""

    status: int
    body: str
    location: str = ""


class Browser:
    """Keeps one connection and the cookies, follows no redirects."""

    def __init__(self, base: str):
        parts = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.cookies: dict[str, str] = {}

    def _request(self, method: str, path: str, body: str | None = None) -> Response:
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        answer = self.conn.getresponse()
        text = answer.read().decode("utf-8", "replace")
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        location = answer.headers.get("Location", "")
        if location.startswith("http"):
            location = urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()
        return Response(answer.status, text, location)

    def get(self, path: str) -> Response:
        """GET a path."""
        return self._request("GET", path)

    def post(self, path: str, data: dict[str, str]) -> Response:
        """POST a form."""
        return self._request("POST", path, urllib.parse.urlencode(data))

    def csrf_token(self, path: str) -> str:
        """The CSRF token of a page's form."""
        html = self.get(path).body
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            r'"X-CSRFToken": "([^"]+)"', html)
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the form."""
        token = self.csrf_token("/sign-in")
        answer = self.post("/sign-in", {"csrf_token": token, "email": email, "password": password})
        if answer.status != 303:
            raise RuntimeError(f"sign-in failed with {answer.status}")


def wait_for(url: str, seconds: float = 30) -> None:
    """Wait until a URL answers 200."""
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.2)


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory of a process and its children (VmHWM), in MiB."""
    import os

    total = 0
    pids = [pid]
    children = f"/proc/{pid}/task/{pid}/children"
    if os.path.exists(children):
        pids += [int(p) for p in open(children).read().split()]
    for each in pids:
        for line in open(f"/proc/{each}/status"):
            if line.startswith("VmHWM:"):
                total = max(total, int(line.split()[1]))
    return total / 1024

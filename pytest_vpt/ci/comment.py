"""One pull-request comment per project and job, found again by a hidden marker and updated
on later pushes, through GitHub's REST API (issues comments)."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from ..redaction import redact_url

#: GitHub refuses a comment body longer than 65,536 characters.
BODY_LIMIT = 60_000
PAGES_READ = 50  # 5,000 comments: a pull request with more is not searched further
TIMEOUT = 30.0


class CommentFailed(Exception):
    """The comment could not be written; ``refused`` when the token may not (a fork's read-only token)."""

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass
class Comment:
    url: str  # the comment's html_url
    created: bool  # False: an earlier one was updated


def marker(project: str, job: str | None) -> str:
    return f"<!-- pytest-vpt report: project={project.replace('-->', '')} job={(job or '').replace('-->', '')} -->"


def upsert(api_url: str, repository: str, number: int, token: str, body: str, mark: str,
           session: requests.Session | None = None) -> Comment:
    """Update the pull request's comment carrying ``mark``, or create it; ``body`` gets the mark."""
    if not api_url.startswith(("http://", "https://")):
        raise CommentFailed(f"GITHUB_API_URL {redact_url(api_url)!r} is not an http(s) URL")
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise CommentFailed(f"GITHUB_REPOSITORY {repository!r} is not OWNER/NAME")
    http = session or requests.Session()
    http.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                         "X-GitHub-Api-Version": "2022-11-28"})
    base = f"{api_url.rstrip('/')}/repos/{repository}/issues"
    text = f"{mark}\n{body}"
    found = _find(http, f"{base}/{number}/comments", mark)
    if found is None:
        answer = _call(http, "POST", f"{base}/{number}/comments", text)
        return Comment(str(answer.get("html_url", "")), True)
    answer = _call(http, "PATCH", f"{base}/comments/{found}", text)
    return Comment(str(answer.get("html_url", "")), False)


def _find(http: requests.Session, url: str, mark: str) -> int | None:
    """The id of the first comment carrying ``mark``, following the pages' ``next`` links."""
    next_url: str | None = url + "?per_page=100"
    for _ in range(PAGES_READ):
        if next_url is None:
            return None
        answer = _send(http, "GET", next_url)
        comments = _json(answer)
        if not isinstance(comments, list):
            raise CommentFailed(f"{redact_url(url)}: the answer is not a list of comments")
        for comment in comments:
            if not isinstance(comment, dict) or not isinstance(comment.get("id"), int):
                continue
            if mark in str(comment.get("body") or ""):
                return comment["id"]
        next_url = answer.links.get("next", {}).get("url")
        if next_url is not None and not next_url.startswith(url):  # the token goes to the API alone
            raise CommentFailed(f"{redact_url(url)}: a next page elsewhere ({redact_url(next_url)})")
    return None


def _call(http: requests.Session, method: str, url: str, body: str) -> dict:
    found = _json(_send(http, method, url, {"body": body}))
    return found if isinstance(found, dict) else {}


def _send(http: requests.Session, method: str, url: str, payload: dict | None = None) -> requests.Response:
    try:
        answer = http.request(method, url, json=payload, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise CommentFailed(f"{method} {redact_url(url)}: {type(exc).__name__}: cannot reach the API") from None
    if answer.status_code in (401, 403):
        raise CommentFailed(f"{method} {redact_url(url)}: HTTP {answer.status_code}: the token may not comment "
                            "(a pull request from a fork gets a read-only token)", refused=True)
    if answer.status_code >= 300:
        raise CommentFailed(f"{method} {redact_url(url)}: HTTP {answer.status_code}")
    return answer


def _json(answer: requests.Response):
    try:
        return answer.json()
    except ValueError:
        raise CommentFailed(f"{redact_url(answer.url)}: not a JSON answer") from None

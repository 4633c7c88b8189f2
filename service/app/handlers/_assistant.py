"""The Assistant behind ``POST /interact``: OpenAI when configured, else a local stand-in.

A private helper of the handlers (its name starts with ``_``: specfirst never generates,
changes or reports it). ``assistant_from_env()`` picks the implementation:

- ``OPENAI_API_KEY`` set: ``OpenAIAssistant`` asks the chat completions API (model
  ``OPENAI_MODEL``, default ``gpt-4o-mini``; ``OPENAI_BASE_URL``, default
  ``https://api.openai.com/v1``), with the system prompt built from every registered service;
- otherwise ``LocalAssistant``: deterministic and offline, it matches the user's words
  against each service's name, tags and description.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from app.handlers._prompt import Service, build_system_prompt

OPENAI_BASE_URL = "https://api.openai.com/v1"
OPENAI_TIMEOUT = 30.0
_STOPWORD_TEXT = """
    a an and are as at be by can do does for from how i in is it me my of on or please
    service services show tell that the this to what which who with you
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass
class Reply:
    assistant_response: str
    service_responses: list[dict[str, str]] = field(default_factory=list)  # service_name, response


class AssistantError(Exception):
    """The assistant could not answer."""


class Assistant(Protocol):
    def answer(self, user_input: str, services: Sequence[Service]) -> Reply: ...


def words(text: str) -> set[str]:
    """Lower-case words of ``text``, without stop words."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOPWORDS}


class LocalAssistant:
    """Offline and deterministic: a service matches when one of its words is in the input."""

    def answer(self, user_input: str, services: Sequence[Service]) -> Reply:
        asked = words(user_input)
        replies: list[dict[str, str]] = []
        for service in sorted(services, key=lambda s: (s["name"], s["id"])):
            known = words(
                " ".join(
                    [service["name"], service.get("description", ""), *service.get("tags", [])]
                )
            )
            matched = sorted(asked & known)
            if matched:
                response = f"{service['name']} matched on: {', '.join(matched)}"
                replies.append({"service_name": service["name"], "response": response})
        if not replies:
            return Reply(f"No registered service matches {user_input!r}.")
        names = ", ".join(r["service_name"] for r in replies)
        return Reply(f"{len(replies)} service(s) can help with {user_input!r}: {names}.", replies)


@dataclass
class OpenAIAssistant:
    """Chat completions with the registered services' system prompt (no tool calls yet)."""

    api_key: str
    model: str = "gpt-4o-mini"
    base_url: str = OPENAI_BASE_URL

    def answer(self, user_input: str, services: Sequence[Service]) -> Reply:
        messages = [
            {"role": "system", "content": build_system_prompt(services)},
            {"role": "user", "content": user_input},
        ]
        try:
            answer = httpx.post(
                f"{self.base_url.rstrip('/')}/chat/completions",
                headers={"Authorization": f"Bearer {self.api_key}"},
                json={"model": self.model, "messages": messages},
                timeout=OPENAI_TIMEOUT,
            )
            answer.raise_for_status()
            content = answer.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise AssistantError(f"OpenAI chat completions failed: {exc}") from None
        return Reply(str(content or ""))


def assistant_from_env(env: Mapping[str, str] = os.environ) -> Assistant:
    key = env.get("OPENAI_API_KEY", "").strip()
    if key:
        return OpenAIAssistant(
            api_key=key,
            model=env.get("OPENAI_MODEL") or "gpt-4o-mini",
            base_url=env.get("OPENAI_BASE_URL") or OPENAI_BASE_URL,
        )
    return LocalAssistant()

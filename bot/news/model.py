"""Article values shared by extraction, feeds and the pipeline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """An article's main text and metadata, however it arrived (fetched page, local file, JSONL)."""

    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    canonical_url: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, as precise as the source gives
    author: str | None = None
    site_name: str | None = None
    language: str | None = None

    @property
    def text(self) -> str:
        """Paragraphs joined by blank lines: the form stored, summarised and searched for quotes."""
        return "\n\n".join(self.paragraphs)

    @classmethod
    def from_text(cls, title: str, text: str, **meta: str | None) -> Article:
        """Build from plain text whose paragraphs are separated by blank lines (or not at all)."""
        paragraphs = tuple(p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())
        return cls(title=title.strip(), paragraphs=paragraphs, **meta)

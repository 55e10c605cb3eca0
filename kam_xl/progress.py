"""Progress reporting for long work: a plain callback for the library, rich bars for the terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    """Called as progress(stage, done, total) while long work runs."""

    def __call__(self, stage: str, done: int, total: int) -> None: ...


def silent(stage: str, done: int, total: int) -> None:
    """A Progress that shows nothing."""


class SilentProgress:
    """A context manager handing out `silent`."""

    def __enter__(self) -> Progress:
        return silent

    def __exit__(self, *exc) -> None:
        return None


class RichProgress:
    """Shows one rich progress bar per stage on stderr, named by `words(stage)` (the stage in the workbook's
    language: kam_xl.lang.console.stage_words); call close() when done."""

    def __init__(self, words: Callable[[str], str] | None = None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bars

        self._bars = Bars(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._tasks: dict[str, int] = {}
        self._started = False
        self.words = words or (lambda stage: stage)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self._started:
            self._bars.start()
            self._started = True
        if stage not in self._tasks:
            self._tasks[stage] = self._bars.add_task(self.words(stage), total=total)
        self._bars.update(self._tasks[stage], completed=done, total=total)

    def close(self) -> None:
        """Stop showing the bars."""
        if self._started:
            self._bars.stop()
            self._started = False

    def __enter__(self) -> RichProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def every(progress: Progress | None, stage: str, total: int, step: int | None = None) -> Callable[[int], None]:
    """A tick(done) function that reports at most ~100 times for `total` items."""
    report = progress or silent
    step = step or max(1, total // 100)

    def tick(done: int) -> None:
        if done == total or done % step == 0:
            report(stage, done, total)

    return tick

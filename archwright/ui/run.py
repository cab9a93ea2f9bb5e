"""Run the pipeline's models on a sentence with real Thinc layers (`archwright.build`, imported
only when asked). The build checks the static parameter count against a budget before it
allocates; it reads no file the config names (a transformer's model directory is refused,
AW509), and components that would load a knowledge base from a file are left out, so a pasted
config can neither exhaust memory nor reach the disk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import views

MAX_BUILD_PARAMS = 20_000_000  # 80 MB of float32 weights; the largest pipeline in the corpus has 11.1M
SAMPLE = "Thinc builds the models and runs them on this sentence ."
# what a model's failure to build or run can raise, besides archwright's own BuildError
RUN_ERRORS = (ValueError, TypeError, KeyError, IndexError, RuntimeError, MemoryError, ImportError)


def build_function() -> Callable[..., Any] | None:
    """`archwright.build`, or None in a version without it."""
    import archwright

    return getattr(archwright, "build", None)


def run_models(explored: views.Explored, sentence: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Each component's output shape on `sentence` (rows), and notes: what was assumed or left
    out, or why nothing ran."""
    build = build_function()
    if build is None:
        return [], ["This version of archwright cannot build Thinc models (`archwright.build` is missing)."]
    if explored.bare:
        return [], ["Running needs a training config ([nlp] and [components]); this is a bare model block."]
    compilation = explored.compilation
    if compilation.resolved is None or not compilation.ok or explored.graph is None:
        return [], ["The models run once the config has no errors: fix the problems listed above."]
    from ..compiler.thinc import BuildError, knowledge_base_files, shape_of  # thinc: only now

    skipped = [name for name in knowledge_base_files(compilation.resolved.data) if name in explored.graph.components]
    wanted = [name for name in explored.graph.components if name not in skipped]
    notes = [f"`{name}` is not built here: it loads a knowledge base from a file." for name in skipped]
    rows: list[dict[str, Any]] = []
    try:
        settings = {"labels": compilation.labels, "max_params": MAX_BUILD_PARAMS, "read_files": False,
                    "forward": [sentence]}
        pipelines = [build(compilation, **settings)] if not skipped \
            else [build(compilation, name, **settings) for name in wanted]
        seen: set[str] = set()
        for pipeline in pipelines:
            notes += [d.message for d in pipeline.diagnostics if d.message not in notes]
            for name in pipeline:
                if name in seen or name not in wanted:
                    continue
                seen.add(name)
                output = pipeline.predict(name, [sentence])
                rows.append({"component": name, "factory": pipeline.factories.get(name, ""),
                             "output shape": shape_of(output),
                             "sizes used": ", ".join(f"{k}={v}" for k, v in pipeline.sizes.get(name, {}).items())})
    except BuildError as e:
        return [], notes + [f"Line {d.span.line}: {d.message}" if d.span else d.message for d in e.diagnostics]
    except RUN_ERRORS as e:
        return [], notes + [f"Building or running the models failed: {type(e).__name__}: {e}"]
    return rows, notes

"""The chat UI (Gradio): the page in qa.ui.app, its HTML in qa.ui.render. Only `qa serve` and app.py load it."""
from .app import EXAMPLES, build, launch, serve

__all__ = ["EXAMPLES", "build", "launch", "serve"]

"""Presentation shared by the CLI and the web: terminal tables, the HTML/Markdown report, charts."""

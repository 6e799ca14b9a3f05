"""Blueprints: thin views that parse input, call one service, commit once and render."""

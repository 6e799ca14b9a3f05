"""The experts blueprint."""

from flask import Blueprint

bp = Blueprint("experts", __name__)

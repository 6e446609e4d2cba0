"""Load and fault tests against a real gunicorn (`make load`; deselected from `make test`)."""

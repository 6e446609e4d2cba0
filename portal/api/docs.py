"""The API's description: /api/v1/openapi.json (OpenAPI 3.1, generated from the code) and
/api/v1/docs, a plain page drawn on the server from the same document (no script, no CDN:
the site's CSP holds)."""
from __future__ import annotations

import json

from flask import Response, render_template

from portal.api import bp
from portal.api.spec import document

METHODS = ("get", "post", "put", "patch", "delete")


@bp.route("/openapi.json")
def openapi():
    response = Response(json.dumps(document(), ensure_ascii=False, indent=1), mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def _schema_name(content: dict | None) -> str | None:
    for media in (content or {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        return ref.rsplit("/", 1)[-1] or None
    return None


@bp.route("/docs")
def docs():
    """Every operation: its method and path, what it does, the scope it needs, its
    parameters and its answers; then every schema, as JSON."""
    doc = document()
    operations = []
    for path, methods in doc["paths"].items():
        for method in METHODS:
            if (operation := methods.get(method)) is None:
                continue
            scopes = [scope for requirement in operation.get("security", []) for scope in requirement.get("token", [])]
            public = {} in operation.get("security", [])
            body = _schema_name(operation.get("requestBody", {}).get("content"))
            answers = [(status, answer.get("description", ""), _schema_name(answer.get("content")))
                       for status, answer in sorted(operation.get("responses", {}).items())]
            operations.append({"method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                               "description": operation.get("description", ""), "scopes": scopes, "public": public,
                               "parameters": operation.get("parameters", []), "body": body, "answers": answers,
                               "id": operation.get("operationId", "")})
    schemas = {name: json.dumps(schema, ensure_ascii=False, indent=2)
               for name, schema in sorted(doc.get("components", {}).get("schemas", {}).items())}
    return render_template("api/docs.html", info=doc["info"], operations=operations, schemas=schemas)

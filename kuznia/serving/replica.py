"""A replica: loads a scoring script, calls ``init()`` once, then ``run(raw_data)`` per request.

``python -m kuznia.serving.replica --entry score.py --ready-file F`` runs in the
deployment's environment, in the folder of its source snapshot. It listens on a
free port of 127.0.0.1 and writes that port to the ready file only once
``init()`` succeeded. Requests: ``POST /score`` (a JSON body, passed to
``run`` as text — or, when ``run`` has inference-schema decorators, as keyword
arguments), ``GET /health``, ``GET /swagger.json``.

A bare ASGI app on uvicorn (httptools, uvloop when present): no framework in the
hot path. ``run`` is called in the event loop, one request at a time, as in
Azure ML's containers; replicas scale out instead.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import sys
import traceback
from pathlib import Path
from typing import Any

JSON = [(b"content-type", b"application/json")]


def _dumps(value: Any) -> bytes:
    try:
        import orjson

        return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)
    except ImportError:  # pragma: no cover - orjson ships with the runtime
        return json.dumps(value).encode()


def _error(code: str, message: str) -> bytes:
    return _dumps({"error": {"code": code, "message": message}})


def load_entry(path: Path) -> Any:
    sys.path.insert(0, str(path.parent.resolve()))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise AttributeError(f"{path.name} defines no run(raw_data) function")
    return module


def _schema_helpers(run: Any) -> tuple[bool, dict[str, Any]]:
    """Whether ``run`` is decorated by inference-schema, and the swagger it describes."""
    try:
        from inference_schema.schema_util import (
            get_input_schema,
            get_output_schema,
            is_schema_decorated,
        )
    except ImportError:
        return False, {}
    if not is_schema_decorated(run):
        return False, {}
    return True, {"input": get_input_schema(run), "output": get_output_schema(run)}


def swagger(title: str, schemas: dict[str, Any]) -> dict[str, Any]:
    request = schemas.get("input") or {"type": "object"}
    response = schemas.get("output") or {}
    return {
        "swagger": "2.0",
        "info": {"title": title, "version": "1.0"},
        "schemes": ["http"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": {
            "/score": {"post": {
                "description": "Run the model on the request body.",
                "parameters": [{"name": "body", "in": "body", "required": True, "schema": request}],
                "responses": {"200": {"description": "the model's answer", "schema": response},
                              "400": {"description": "the body is not valid JSON"},
                              "500": {"description": "run() raised an error"}},
            }},
        },
    }


class ScoringApp:
    def __init__(self, module: Any, title: str) -> None:
        self.run = module.run
        self.decorated, schemas = _schema_helpers(self.run)
        self.swagger = _dumps(swagger(title, schemas))

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        path, method = scope["path"], scope["method"]
        if path == "/score" and method == "POST":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            status, payload = self.score(body)
        elif path in ("/health", "/") and method == "GET":
            status, payload = 200, b'{"status":"ok"}'
        elif path == "/swagger.json" and method == "GET":
            status, payload = 200, self.swagger
        else:
            status, payload = 404, _error("NotFound", "POST /score, GET /health or GET /swagger.json")
        await send({"type": "http.response.start", "status": status, "headers": JSON})
        await send({"type": "http.response.body", "body": payload})

    def score(self, body: bytes) -> tuple[int, bytes]:
        try:
            text = body.decode("utf-8")
            parsed = json.loads(text)
        except (UnicodeDecodeError, ValueError) as exc:
            return 400, _error("InvalidInput", f"the request body is not valid JSON: {exc}")
        try:
            if self.decorated:
                if not isinstance(parsed, dict):
                    return 400, _error("InvalidInput", "this service takes a JSON object of named inputs")
                result = self.run(**parsed)
            else:
                result = self.run(text)
        except Exception as exc:  # the request fails; the replica keeps serving
            traceback.print_exc()
            return 500, _error("ScoringError", f"run() raised {type(exc).__name__}: {exc}")
        try:
            return 200, _dumps(result)
        except TypeError as exc:
            return 500, _error("ScoringError", f"run() returned something that is not JSON: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m kuznia.serving.replica")
    parser.add_argument("--entry", required=True)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--name", default="kuznia-service")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        module = load_entry(Path(args.entry))
        if callable(getattr(module, "init", None)):
            module.init()
        app = ScoringApp(module, args.name)
    except BaseException:
        traceback.print_exc()
        print("kuznia: init() failed; the replica stops", file=sys.stderr, flush=True)
        sys.exit(3)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it every small response waits ~40 ms for
    # the client's delayed ACK (Nagle), which capped a replica at ~85 requests/s.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(1024)
    tmp = f"{args.ready_file}.tmp"
    with open(tmp, "w") as handle:
        json.dump({"port": listener.getsockname()[1], "pid": os.getpid()}, handle)
    os.replace(tmp, args.ready_file)  # connections queue on the socket until the server loop runs
    print(f"kuznia: replica ready on port {listener.getsockname()[1]}", flush=True)

    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            loop="auto", http="auto", timeout_keep_alive=30)
    # Server.run, not asyncio.run(serve()): only run() installs uvloop's event loop, which
    # took about a fifth off a replica's time per request.
    uvicorn.Server(config).run(sockets=[listener])


if __name__ == "__main__":
    main()

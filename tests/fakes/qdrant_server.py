"""A Qdrant server on loopback, for faults only a network can have: it stops and comes back on the same port.

There is no Qdrant server binary here, so the REST endpoints Mem0's Qdrant store and qdrant-client use are
answered by qdrant-client's own in-process engine (`QdrantClient(":memory:")`): the real client code, its
HTTP layer and its error handling run unchanged against it. Data outlives `stop()`/`start()`, as a server's
disk would.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from aiohttp import web
from qdrant_client import QdrantClient
from qdrant_client.http import models


class FakeQdrant:
    def __init__(self) -> None:
        self.engine = QdrantClient(":memory:")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._runner: web.AppRunner | None = None
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        """The server goes away: the port refuses connections until `start()`."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeQdrant:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
        self.engine.close()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        body = await request.json() if request.can_read_body else {}
        parts = [p for p in request.path.split("/") if p]
        if not parts:  # the client asks for the server's version first
            return web.json_response({"title": "qdrant - vector search engine", "version": "1.20.0"})
        try:
            result = await asyncio.to_thread(self._dispatch, request.method, parts, body)
        except KeyError as exc:
            return web.json_response({"status": {"error": f"Not found: {exc}"}, "time": 0}, status=404)
        return web.json_response({"result": result, "status": "ok", "time": 0.0})

    def _dispatch(self, method: str, parts: list[str], body: dict[str, Any]) -> Any:
        engine = self.engine
        match method, parts:
            case "GET", ["collections"]:
                return {"collections": [{"name": c.name} for c in engine.get_collections().collections]}
            case "GET", ["collections", name, "exists"]:
                return {"exists": engine.collection_exists(name)}
            case "GET", ["collections", name]:
                if not engine.collection_exists(name):
                    raise KeyError(name)
                return _json(engine.get_collection(name))
            case "PUT", ["collections", name]:
                create = models.CreateCollection(**body)
                engine.create_collection(
                    name, vectors_config=create.vectors, sparse_vectors_config=create.sparse_vectors
                )
                return True
            case "DELETE", ["collections", name]:
                return engine.delete_collection(name)
            case "PUT", ["collections", _, "index"]:
                return {"operation_id": 0, "status": "completed"}
            case "PUT", ["collections", name, "points"]:
                points = models.PointsList(**body).points
                return _json(engine.upsert(name, points=points))
            case "POST", ["collections", name, "points"]:
                get = models.PointRequest(**body)
                found = engine.retrieve(
                    name, ids=get.ids, with_payload=get.with_payload, with_vectors=get.with_vector or False
                )
                return [_json(r) for r in found]
            case "POST", ["collections", name, "points", "query"]:
                query = models.QueryRequest(**body)
                hits = engine.query_points(
                    name,
                    query=query.query,
                    using=query.using,
                    query_filter=query.filter,
                    limit=query.limit or 10,
                    offset=query.offset,
                    score_threshold=query.score_threshold,
                    with_payload=query.with_payload if query.with_payload is not None else False,
                    with_vectors=query.with_vector or False,
                )
                return _json(hits)
            case "POST", ["collections", name, "points", "scroll"]:
                scroll = models.ScrollRequest(**body)
                records, following = engine.scroll(
                    name,
                    scroll_filter=scroll.filter,
                    limit=scroll.limit or 10,
                    offset=scroll.offset,
                    with_payload=scroll.with_payload if scroll.with_payload is not None else True,
                    with_vectors=scroll.with_vector or False,
                )
                return {"points": [_json(r) for r in records], "next_page_offset": following}
            case "POST", ["collections", name, "points", "delete"]:
                selector = models.PointIdsList(**body) if "points" in body else models.FilterSelector(**body)
                return _json(engine.delete(name, points_selector=selector))
            case "POST", ["collections", name, "points", "payload"]:
                change = models.SetPayload(**body)
                return _json(engine.set_payload(name, payload=change.payload, points=change.points or []))
            case "PUT", ["collections", name, "points", "vectors"]:
                vectors = models.UpdateVectors(**body)
                return _json(engine.update_vectors(name, points=vectors.points))
        raise KeyError(f"{method} /{'/'.join(parts)}")


def _json(value: Any) -> Any:
    return value.model_dump(mode="json", exclude_none=False) if hasattr(value, "model_dump") else value

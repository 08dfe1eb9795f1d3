"""The ceiling for intake: bare FastAPI routes on the same server settings as `lapor api`.

``POST /api/reports`` reads the request body and answers 202, nothing else: the load generator's
figures against it are what the server and the client cost without any of Lapor's work."""

import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@app.post("/api/reports")
async def accept(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"id": str(uuid.uuid4())}, status_code=202)

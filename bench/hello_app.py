"""The ceiling for intake: a bare FastAPI route on the same server settings as `lapor api`."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}

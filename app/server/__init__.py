"""The sf-api HTTP server (Starlette on uvicorn) over the vision engine and storage."""

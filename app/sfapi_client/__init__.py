"""Async sf-api client with the surface of ntech.sfapi_client, built on httpx."""

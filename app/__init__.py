"""sfdesk: a FindFace SF API compatible face server, its client, facerouter and desktop app."""

__version__ = "0.1.0"

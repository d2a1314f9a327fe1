"""The facerouter HTTP service and the video worker that feeds it."""

"""The real-browser load test (`make loadtest`; not part of `make test`)."""

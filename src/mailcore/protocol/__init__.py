"""Sans-IO protocol engines: bytes in, typed events out, no sockets and no trio."""

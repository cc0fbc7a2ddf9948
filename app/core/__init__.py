"""Shared plumbing every domain uses: the unit of work (`db.transaction`), typed
`errors`, `search`, `csv_export`, `mail` (+ `background`; `outbox`: mail queued with a
change, sent after commit, retried by a job), `idempotency`, `links` (outside URLs from
PUBLIC_BASE_URL), `live_events` (SSE after commit), `notifications`, `bounded_json` and
`request_values` (reading outside input without raising)."""

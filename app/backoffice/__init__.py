"""Running the service: `audit` (write) and `audit_log` (read), `settings`,
`analytics`, `job_runs`, `member_admin`, `overview` (what /admin
shows), `admin_tokens` (the admin API), `housekeeping`."""

"""Members' accounts: `accounts` (registration, credentials, session loader),
`passwords` and `password_reset`, the sign-in methods (`email_codes`, `provider_sign_in`,
`passkeys`, `second_factor` for admins, `email_verification`), phone `tokens`,
`login_limits` (per-account limits), `profile` (the member's own data) and
`account_notices` (account mails)."""

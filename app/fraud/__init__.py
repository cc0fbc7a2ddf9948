"""Anti-cheat: `scoring` (pure functions: evidence → verdict), `cases` (the one way a
case is opened), `review` (the admin queue), `appeals`, `rescoring` (nightly),
`linked_accounts` (shared devices, referral rings), `backtest`."""

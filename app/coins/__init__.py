"""Coins: `ledger` (the only writer of wallets and coin_transactions), `ledger_chain`
(the per-member hash chain), `statements` (reading the history), `reconciliation` (wallets
checked against the ledger)."""

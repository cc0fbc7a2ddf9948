"""Steps: `sync` (a day's credited steps, coins for steps, the phone's sync)."""

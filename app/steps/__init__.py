"""Steps: `credited` (a day's credited steps, defined once), `sync` (per-day totals, coins
for steps, the phone's sync)."""

"""Walking together: `achievements` (+ `achievement_admin`, the nightly
`achievement_repair`), `streaks` (one rule for the dashboard and badges), `leaderboards`,
`referrals`, `friends`, `challenges` (staked, settled nightly), `teams`."""

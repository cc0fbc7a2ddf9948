"""Walking together: `achievements` (+ `achievement_admin`, the nightly
`achievement_repair`), `leaderboards`, `referrals`, `friends`, `challenges` (staked, settled
nightly), `teams`."""

"""The reward catalogue: `browse` (what members see, one search), `manage` (admin
create/edit/import), `shopify` (the nightly sync)."""

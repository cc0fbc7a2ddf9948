"""Orders: `cart` (kept in the database), `orders` (checkout reserves stock and freezes
coins; fulfilment and cancellation), `promo_codes` (coin grants and checkout discounts)
and `order_mail` (the order e-mails, queued in the outbox with each change)."""

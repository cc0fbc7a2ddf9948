"""Orders: `cart` (kept in the database) and `orders` (checkout reserves stock and
freezes coins; fulfilment and cancellation)."""

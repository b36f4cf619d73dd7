-- The expiry sweep runs for all followers at once; it finds due orders through this index.
CREATE INDEX orders_open_expiry ON orders (expires_at) WHERE status IN ('pending', 'delivered', 'partially_filled');

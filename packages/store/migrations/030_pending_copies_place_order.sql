-- Execution reports switch a pending copy off by the order that placed it: an index, not a scan.
CREATE INDEX pending_copies_place_order ON pending_copies (place_order_id);

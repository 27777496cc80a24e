package roomcode

// StoreForTest keeps code for the room's role exactly as a lookup that
// fetched it at the clock's time would: for tests that need many rooms
// cached without asking an API for each.
func (c *Cache) StoreForTest(roomID, role string, code RoomCode) {
	c.store(cacheKey{roomID, role}, nil, code, c.invalidations.Load())
}

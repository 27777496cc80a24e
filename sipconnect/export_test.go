package sipconnect

// PINFailuresKey is the store key counting the wrong PINs of an E.164
// number, for the tests.
func PINFailuresKey(number string) string { return failuresKey(number) }

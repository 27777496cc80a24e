package pins

// FailuresKey is the store key counting the wrong PINs of an E.164
// number, for the tests.
func FailuresKey(number string) string { return failuresKey(number) }

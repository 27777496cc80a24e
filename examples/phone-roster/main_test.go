package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/sipconnect"
)

func TestPhoneRoster(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	assert.Equal(t, "A bridges the call with X-100ms-UserID="+sipconnect.CallUserID("CA42")+": true\n"+
		"webhook answered 200\n"+
		"webhook answered 200\n"+
		"B: on the phone in room-1: call CA42 from +*******0123 since 09:00:00\n"+
		"B: hung up; live peers left in room-1: 0\n", out.String())
}

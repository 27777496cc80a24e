package webhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInTime(t *testing.T) {
	ctx := context.Background()
	var c Callbacks
	v, err := InTime(ctx, &c, func(_ context.Context, a int) (int, error) { return a + 1, nil }, 6)
	assert.Equal(t, 7, v)
	assert.NoError(t, err)

	boom := errors.New("boom")
	_, err = InTime(ctx, &c, func(context.Context, int) (int, error) { return 0, boom }, 0)
	assert.ErrorIs(t, err, boom)

	_, err = InTime(ctx, &c, func(context.Context, int) (int, error) { panic("bug") }, 0)
	assert.EqualError(t, err, "panic: bug")

	// A function that ignores its context is abandoned when it ends.
	stuck := make(chan struct{})
	ran := make(chan struct{})
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	_, err = InTime(short, &c, func(context.Context, int) (int, error) {
		<-stuck
		close(ran)
		return 1, nil
	}, 0)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "no answer in time")
	close(stuck)
	<-ran // it ran on, and its answer went nowhere
}

package sipconnect

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ctxKey struct{}

func TestLazyDeadline(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	ctx, release := withLazyDeadline(parent, 30*time.Millisecond)
	defer release()
	assert.Equal(t, "v", ctx.Value(ctxKey{}))
	d, ok := ctx.Deadline()
	assert.True(t, ok)
	assert.WithinDuration(t, time.Now().Add(30*time.Millisecond), d, 20*time.Millisecond)
	assert.Nil(t, ctx.armed.Load(), "no timer until someone waits")
	assert.NoError(t, ctx.Err())
	assert.Nil(t, ctx.armed.Load(), "Err arms nothing")

	select {
	case <-ctx.Done():
		t.Fatal("ended before its deadline")
	default:
	}
	assert.NoError(t, ctx.Err())
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("did not end at its deadline")
	}
	assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)

	// A child context ends with it.
	child, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	<-child.Done()
	assert.ErrorIs(t, child.Err(), context.DeadlineExceeded)
}

func TestLazyDeadlineFollowsItsParent(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	ctx, release := withLazyDeadline(parent, time.Hour)
	defer release()
	cancelParent()
	<-ctx.Done()
	assert.ErrorIs(t, ctx.Err(), context.Canceled)

	early, cancelEarly := context.WithTimeout(context.Background(), time.Minute)
	defer cancelEarly()
	ctx2, release2 := withLazyDeadline(early, time.Hour)
	defer release2()
	d, _ := ctx2.Deadline()
	pd, _ := early.Deadline()
	assert.Equal(t, pd, d, "the parent's earlier deadline wins")
}

func TestLazyDeadlineErrWithoutATimer(t *testing.T) {
	ctx, release := withLazyDeadline(context.Background(), 10*time.Millisecond)
	defer release()
	time.Sleep(20 * time.Millisecond)
	assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded, "past the deadline, without a timer")
	assert.Nil(t, ctx.armed.Load())
	<-ctx.Done()
}

func TestLazyDeadlineReleased(t *testing.T) {
	ctx, release := withLazyDeadline(context.Background(), time.Hour)
	release()
	<-ctx.Done()
	require.Error(t, ctx.Err())
	assert.True(t, errors.Is(ctx.Err(), context.Canceled))
	assert.Nil(t, ctx.armed.Load(), "released without a timer")

	armed, releaseArmed := withLazyDeadline(context.Background(), time.Hour)
	<-func() <-chan struct{} { releaseArmed(); return armed.Done() }()
	assert.ErrorIs(t, armed.Err(), context.Canceled)
}

func TestLazyDeadlineKeepsItsAnswers(t *testing.T) {
	// Released, then past the deadline: still Canceled.
	ctx, release := withLazyDeadline(context.Background(), 10*time.Millisecond)
	release()
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
	time.Sleep(20 * time.Millisecond)
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
	first, second := ctx.Done(), ctx.Done()
	assert.True(t, first == second, "the same channel every call")

	// Past the deadline, then the parent cancelled: still DeadlineExceeded.
	parent, cancel := context.WithCancel(context.Background())
	ctx2, release2 := withLazyDeadline(parent, 10*time.Millisecond)
	defer release2()
	time.Sleep(20 * time.Millisecond)
	assert.ErrorIs(t, ctx2.Err(), context.DeadlineExceeded)
	cancel()
	assert.ErrorIs(t, ctx2.Err(), context.DeadlineExceeded)
}

func TestLazyDeadlineChildrenNeedNoGoroutine(t *testing.T) {
	ctx, release := withLazyDeadline(context.Background(), time.Hour)
	before := runtime.NumGoroutine()
	var cancels []context.CancelFunc
	for range 50 {
		child, cancel := context.WithTimeout(ctx, time.Hour)
		cancels = append(cancels, cancel)
		_ = child.Done()
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before+2, "children are cancelled through the armed context")
	release()
	for _, cancel := range cancels {
		cancel()
	}
}

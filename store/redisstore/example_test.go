package redisstore_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/redisstore"
)

// Several instances share one Redis: each makes its store on a client, and
// a call path degrades when the store is unavailable instead of waiting.
// (Compiled, not run: it needs a Redis server.)
func ExampleNew() {
	client := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:6379",
		ContextTimeoutEnabled: true, // go-redis gives up at the store's deadline too
	})
	defer client.Close()
	s := redisstore.New(client, redisstore.WithPrefix("sipconnect:"), redisstore.WithTimeout(150*time.Millisecond))

	first, err := s.SetNX(context.Background(), "event:evt-1", nil, 24*time.Hour)
	switch {
	case errors.Is(err, store.ErrUnavailable):
		log.Print("Redis is down or slow: answer 503 so that 100ms retries")
	case err != nil:
		log.Print(err)
	case first:
		log.Print("handle the event")
	}
}

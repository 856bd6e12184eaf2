package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// getJSON reads the JSON value of key: nil when the key is gone, an error
// wrapping flows.ErrCorrupt when the value does not decode as a T.
func getJSON[T any](ctx context.Context, c redis.Cmdable, key string) (*T, error) {
	raw, err := c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("%w: %w", flows.ErrCorrupt, err)
	}
	return &v, nil
}

// fetchJSON reads the JSON values of ids' keys with one MGET. The result is
// aligned with ids: nil where the key is gone (expired, erased), holds
// another type, or holds a value that does not decode as a T.
func fetchJSON[T, ID any](ctx context.Context, c redis.Cmdable, ids []ID, key func(ID) string) ([]*T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = key(id)
	}
	raws, err := c.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(raws))
	for i, raw := range raws {
		s, ok := raw.(string)
		if !ok {
			continue
		}
		var v T
		if json.Unmarshal([]byte(s), &v) == nil {
			out[i] = &v
		}
	}
	return out, nil
}

package storage

import (
	"cmp"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// errURL is what a URL that does not parse gets: the parsers' own messages
// may quote the URL, and with it the password.
var errURL = errors.New("parse redis url: invalid, expected redis://[user:password@]host:port[/db], rediss://…, " +
	"or redis+sentinel://[user:password@]host:port[,host:port…]/master[/db][?sentinel_password=…]")

// sentinelPort is the port of a sentinel address that names none.
const sentinelPort = "26379"

// CheckURL reports whether url is a Redis URL New accepts, without
// connecting; its error never quotes the URL.
func CheckURL(url string) error {
	_, err := newClientOptions(url)
	return err
}

// clientOptions is what a URL configures: one server, or Sentinel.
type clientOptions struct {
	single   *redis.Options
	failover *redis.FailoverOptions
}

// client returns an unconnected client for these options.
func (o clientOptions) client() redis.UniversalClient {
	if o.failover != nil {
		return redis.NewFailoverClient(o.failover)
	}
	return redis.NewClient(o.single)
}

// newClientOptions parses url. The Sentinel form is
//
//	redis+sentinel://[user:password@]host:port[,host:port…]/master[/db][?option=value…]
//
// (rediss+sentinel:// for TLS): the addresses are the sentinels' (port
// 26379 when left out), master the name they monitor, the user and password
// the Redis servers', and the options go-redis's failover options
// (dial_timeout, pool_size…) plus sentinel_username and sentinel_password:
// the sentinels' own credentials (requirepass in sentinel.conf), when they
// have some. The sentinels are asked without a password otherwise.
func newClientOptions(raw string) (clientOptions, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return clientOptions{}, errURL
	}
	scheme, sentinel := strings.CutSuffix(u.Scheme, "+sentinel")
	if !sentinel {
		opt, err := redis.ParseURL(raw)
		if err != nil {
			return clientOptions{}, errURL
		}
		setDefaults(opt)
		return clientOptions{single: opt}, nil
	}
	if scheme != "redis" && scheme != "rediss" || u.Host == "" {
		return clientOptions{}, errURL
	}
	path := strings.Split(strings.Trim(u.Path, "/"), "/")
	if path[0] == "" || len(path) > 2 {
		return clientOptions{}, errURL
	}
	db := "0"
	if len(path) == 2 {
		if _, err := strconv.Atoi(path[1]); err != nil {
			return clientOptions{}, errURL
		}
		db = path[1]
	}
	// Rewritten into go-redis's own failover URL, so that its query options
	// keep their meaning: the first sentinel as the host, the others as
	// addr, the servers' credentials as options.
	q := u.Query()
	q.Set("master_name", path[0])
	// go-redis takes the sentinels' credentials from the URL's user info.
	var sentinelUser *url.Userinfo
	if q.Has("sentinel_username") || q.Has("sentinel_password") {
		if q.Get("sentinel_password") == "" {
			return clientOptions{}, errURL
		}
		sentinelUser = url.UserPassword(q.Get("sentinel_username"), q.Get("sentinel_password"))
		q.Del("sentinel_username")
		q.Del("sentinel_password")
	}
	var first string
	for i, addr := range strings.Split(u.Host, ",") {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			host, port = addr, sentinelPort
		}
		if host == "" {
			return clientOptions{}, errURL
		}
		addr = net.JoinHostPort(host, cmp.Or(port, sentinelPort))
		if i == 0 {
			first = addr
		} else {
			q.Add("addr", addr)
		}
	}
	if u.User != nil {
		if name := u.User.Username(); name != "" {
			q.Set("username", name)
		}
		if pw, ok := u.User.Password(); ok {
			q.Set("password", pw)
		}
	}
	rewritten := url.URL{Scheme: scheme, User: sentinelUser, Host: first, Path: "/" + db, RawQuery: q.Encode()}
	opt, err := redis.ParseFailoverURL(rewritten.String())
	if err != nil {
		return clientOptions{}, errURL
	}
	applyDefaults(&opt.ContextTimeoutEnabled, &opt.DialerRetries, &opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout)
	return clientOptions{failover: opt}, nil
}

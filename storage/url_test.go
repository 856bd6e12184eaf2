package storage

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSentinelURL(t *testing.T) {
	tests := []struct {
		url       string
		sentinels []string
		master    string
		db        int
		user, pw  string
		sUser     string // the sentinels' own
		sPW       string
		dial      time.Duration
		tls       bool
	}{
		{"redis+sentinel://h1:26379,h2:26379,h3:26380/mymaster/0", []string{"h1:26379", "h2:26379", "h3:26380"}, "mymaster", 0, "", "", "", "", dialTimeout, false},
		{"redis+sentinel://:p%40ss@h1,h2/mymaster/3", []string{"h1:26379", "h2:26379"}, "mymaster", 3, "", "p@ss", "", "", dialTimeout, false},
		{"rediss+sentinel://bot:pw@10.0.0.1:5000/main?dial_timeout=5s", []string{"10.0.0.1:5000"}, "main", 0, "bot", "pw", "", "", 5 * time.Second, true},
		{"redis+sentinel://:pw@h1,h2/mymaster?sentinel_password=s%26cret", []string{"h1:26379", "h2:26379"}, "mymaster", 0, "", "pw", "", "s&cret", dialTimeout, false},
		{"redis+sentinel://h1/m/2?sentinel_username=watch&sentinel_password=spw&pool_size=20", []string{"h1:26379"}, "m", 2, "", "", "watch", "spw", dialTimeout, false},
	}
	for _, tt := range tests {
		o, err := newClientOptions(tt.url)
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		f := o.failover
		if f == nil {
			t.Errorf("%s: not a Sentinel client", tt.url)
			continue
		}
		if !reflect.DeepEqual(f.SentinelAddrs, tt.sentinels) || f.MasterName != tt.master || f.DB != tt.db ||
			f.Username != tt.user || f.Password != tt.pw || f.SentinelUsername != tt.sUser || f.SentinelPassword != tt.sPW || f.DialTimeout != tt.dial ||
			(f.TLSConfig != nil) != tt.tls || !f.ContextTimeoutEnabled || f.ReadTimeout != readTimeout {
			t.Errorf("%s: sentinels %v master %q db %d user %q password %q sentinel user %q password %q dial %v TLS %v",
				tt.url, f.SentinelAddrs, f.MasterName, f.DB, f.Username, f.Password, f.SentinelUsername, f.SentinelPassword, f.DialTimeout, f.TLSConfig != nil)
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"redis://localhost:6379/0", true},
		{"rediss://:pw@redis.example:6380", true},
		{"redis+sentinel://h1:26379/mymaster", true},
		{"redis+sentinel://h1:26379/", false},            // no master
		{"redis+sentinel://h1:26379/m/x", false},         // bad db
		{"redis+sentinel://h1:26379/m/0/1", false},       // too long
		{"redis+sentinel:///m/0", false},                 // no sentinel
		{"http+sentinel://h1/m", false},                  // scheme
		{"redis+sentinel://:secret@h1/m?bogus=1", false}, // unknown option
		{"ftp://:secret@localhost", false},
		{"redis+sentinel://h1/m?sentinel_username=secret", false}, // a sentinel user needs its password
		{"redis+sentinel://h1/m?sentinel_password=", false},
	}
	for _, tt := range tests {
		err := CheckURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("CheckURL(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("CheckURL(%q) quotes the password: %v", tt.url, err)
		}
	}
}
